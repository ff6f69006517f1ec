// The registry of SAE architectures by cfg.json name: standard (ReLU), topk, batchtopk, jumprelu — one entry per
// architecture for both inference (Activate) and training (CreateTraining). Others (gated, matryoshka, ...) can
// Register their own; an unknown name is an error that lists the supported ones.
namespace Interp.Dictionaries;

public static class SaeArchitectures
{
    private static readonly Dictionary<string, ISaeArchitecture> All = new(StringComparer.Ordinal);
    private static readonly object Lock = new();

    static SaeArchitectures()
    {
        foreach (var a in new ISaeArchitecture[] { new StandardSae(), new TopKSae(), new BatchTopKSae(), new JumpReluSae() })
            All[a.Name] = a;
    }

    public static IReadOnlyList<string> Names { get { lock (Lock) return All.Keys.ToArray(); } }

    /// <summary>Every registered architecture.</summary>
    public static IReadOnlyList<ISaeArchitecture> Registered { get { lock (Lock) return All.Values.ToArray(); } }

    /// <summary>The architecture named <paramref name="name"/>, or null.</summary>
    public static ISaeArchitecture? Find(string name) { lock (Lock) return All.TryGetValue(name, out var a) ? a : null; }

    public static void Register(ISaeArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        lock (Lock)
        {
            if (All.ContainsKey(architecture.Name)) throw new ArgumentException($"SAE architecture '{architecture.Name}' is already registered.");
            All[architecture.Name] = architecture;
        }
    }

    /// <summary>The architecture named <paramref name="name"/>; <paramref name="source"/> (a cfg.json path) goes in the error.</summary>
    public static ISaeArchitecture Get(string name, string? source = null)
    {
        lock (Lock)
            if (All.TryGetValue(name, out var a)) return a;
        throw new SaeFormatException($"{(source is null ? "" : source + ": ")}unknown SAE architecture '{name}'; supported: {string.Join(", ", Names)}.");
    }
}

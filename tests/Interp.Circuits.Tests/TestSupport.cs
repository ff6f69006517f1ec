// Helpers for circuit tests: a seeded random GPT-2 built in memory (F64 for gradient checks), random clean/corrupted
// pairs over its vocabulary, a seeded SAE, the repository root (for the embedded toy model) and a temp folder.
using Interp.Dictionaries;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits.Tests;

public static class TestSupport
{
    public const int D = 8, H = 2, Dh = 4, M = 16, V = 11, Ctx = 12;

    public static ModelConfig TinyConfig(int layers) => new()
    {
        ModelType = "gpt2", NLayers = layers, DModel = D, NHeads = H, NKvHeads = H, DHead = Dh, DMlp = M, DVocab = V, NCtx = Ctx,
        Eps = 1e-5, Norm = NormKind.LayerNorm, Positions = PositionKind.Learned, Act = ActivationKind.GeluNew,
        GatedMlp = false, ParallelResidual = false, TiedEmbeddings = true,
    };

    /// <summary>A random GPT-2 (weights ~ N(0, 0.5²), norms ~ 1 ± 0.1) of <paramref name="layers"/> layers; a fresh one per
    /// call, because test classes run in parallel and splices on a shared model would leak into other tests.</summary>
    public static HookedTransformer Gpt2(int layers = 2, DType dtype = DType.F64, ulong seed = 3)
    {
        var cfg = TinyConfig(layers);
        var rng = new Rng(seed);
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in Interp.Models.Gpt2.ExpectedWeights(cfg))
            w[name] = name.Contains("ln_") && name.EndsWith(".weight") ? rng.Normal(shape, 1, 0.1, dtype) : rng.Normal(shape, 0, 0.5, dtype);
        return new HookedTransformer(ModelLoader.Create(cfg, w));
    }

    /// <summary><paramref name="n"/> random pairs of length <paramref name="len"/> (or lengths cycling len, len − 1, len − 2
    /// when <paramref name="ragged"/>), the corrupted prompt differing in two random positions; answer/wrong random.</summary>
    public static PromptSet Pairs(int n, int len, MetricSpec metric, ulong seed = 5, bool ragged = false)
    {
        var rng = new Rng(seed);
        var pairs = new List<PromptPair>();
        for (int i = 0; i < n; i++)
        {
            int l = ragged ? len - i % 3 : len;
            var clean = Enumerable.Range(0, l).Select(_ => rng.NextInt(V)).ToArray();
            var corr = (int[])clean.Clone();
            for (int k = 0; k < 2; k++) corr[rng.NextInt(l)] = rng.NextInt(V);
            int a = rng.NextInt(V), b = (a + 1 + rng.NextInt(V - 1)) % V;
            pairs.Add(new PromptPair(clean, corr, l - 1, a, b, clean.Select(t => $"t{t}").ToArray(), corr.Select(t => $"t{t}").ToArray(), $"t{a}", $"t{b}"));
        }
        return new PromptSet("random", metric, pairs);
    }

    public static Sae Sae(int dSae, string hook, DType dtype = DType.F64, ulong seed = 9, string arch = "standard")
    {
        var rng = new Rng(seed);
        var cfg = new SaeConfig { Architecture = arch, DIn = D, DSae = dSae, HookName = hook, ModelName = "tiny", K = arch == "topk" ? 4 : null };
        return new Sae(cfg, rng.Normal(new[] { D, dSae }, 0, 1 / Math.Sqrt(D), dtype), rng.Normal(new[] { dSae }, 0.1, 0.1, dtype),
            rng.Normal(new[] { dSae, D }, 0, 1 / Math.Sqrt(dSae), dtype), rng.Normal(new[] { D }, 0, 0.1, dtype));
    }

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
            throw new DirectoryNotFoundException($"no Agent.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
        }
    }

    public static string ToyModel => Path.Combine(RepoRoot, "evals", "models", "toy-small");

    /// <summary>Per-prompt logit difference of <paramref name="logits"/> [batch, pos, vocab] for the set's pairs, by hand.</summary>
    public static double[] LogitDiffByHand(Tensor logits, IReadOnlyList<PromptPair> pairs)
    {
        var a = logits.ToDoubleArray();
        int t = logits.Shape[1], v = logits.Shape[2];
        return pairs.Select((p, b) => a[(b * t + p.AnswerPos) * v + p.Answer] - a[(b * t + p.AnswerPos) * v + p.Wrong]).ToArray();
    }

    /// <summary>The clean (or corrupted) tokens of pairs of one length as [batch, pos] I64.</summary>
    public static Tensor Tokens(IReadOnlyList<PromptPair> pairs, bool corrupted = false) =>
        Tensor.FromArray(pairs.SelectMany(p => (corrupted ? p.Corrupted : p.Clean).Select(x => (long)x)).ToArray(), pairs.Count, pairs[0].Length);
}

/// <summary>A fresh temp folder, deleted on Dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-circuits-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

// The prompt templates shipped in prompts/ (embedded in this assembly at build time, so `interp` finds them from any
// working directory): lookup by name, parsed once. The files in prompts/ are the source of truth; tests render each
// against a golden file.
using System.Collections.Concurrent;

namespace Interp.Agent.Prompts;

public static class PromptLibrary
{
    public const string ExplainerOpenAi = "explainer-openai", ExplainerDelphi = "explainer-delphi", Simulator = "simulator",
        Detection = "detection", Fuzzing = "fuzzing";

    /// <summary>Every template name shipped with this build.</summary>
    public static IReadOnlyList<string> Names { get; } = [ExplainerOpenAi, ExplainerDelphi, Simulator, Detection, Fuzzing];

    private static readonly ConcurrentDictionary<string, PromptTemplate> Parsed = new(StringComparer.Ordinal);

    /// <summary>The template prompts/<paramref name="name"/>.prompt. KeyNotFoundException for an unknown name.</summary>
    public static PromptTemplate Get(string name) => Parsed.GetOrAdd(name, Load);

    private static PromptTemplate Load(string name)
    {
        var asm = typeof(PromptLibrary).Assembly;
        using var s = asm.GetManifestResourceStream($"prompts/{name}.prompt")
            ?? throw new KeyNotFoundException($"no prompt template '{name}' in this build (known: {string.Join(", ", Names)}).");
        using var r = new StreamReader(s);
        var t = PromptTemplate.Parse(r.ReadToEnd(), $"prompts/{name}.prompt");
        if (t.Name != name) throw new InvalidDataException($"prompts/{name}.prompt names itself '{t.Name}'; the file name and `name:` must agree.");
        return t;
    }

    /// <summary>"name@version" of every shipped template, for run manifests.</summary>
    public static IReadOnlyDictionary<string, string> Versions() => Names.ToDictionary(n => n, n => Get(n).Id);
}

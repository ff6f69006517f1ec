// Every shipped prompt template, rendered from one fixed set of example windows, equals its golden file under
// Prompts/Golden/ byte for byte (INTERP_UPDATE_GOLDEN=1 rewrites them after a deliberate template change and version bump).
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Prompts;
using Interp.Agent.Tests.Labeling;

namespace Interp.Agent.Tests.Prompts;

public sealed class PromptGoldenTests
{
    private static readonly string GoldenDir = Path.Combine(ToyCacheFixture.RepoRoot, "tests", "Interp.Agent.Tests", "Prompts", "Golden");

    internal static readonly LabelingExample[] Examples =
    [
        ToyCacheFixture.Window(ExampleSets.Explain, ExampleKinds.Top, 3, ["The", " cat", " sat", " on", " the", " mat", "."], [0f, 3.5f, 0.2f, 0f, 0f, 7f, 0f]),
        ToyCacheFixture.Window(ExampleSets.Explain, ExampleKinds.Quantile, 9, [" a", " dog", " ran", "\n", " home"], [0f, 2f, 0f, 0f, 0.9f]),
    ];

    private static readonly JudgeSample[] Samples = [new("The cat sat on the mat."), new("The <<dog>> ran <<home>>.")];

    private static readonly string[] RenderNames = ["explainer-openai", "explainer-delphi", "explainer-delphi-activations", "simulator", "detection", "fuzzing"];

    public static TheoryData<string> Renders => new(RenderNames);

    private static RenderedPrompt Render(string name) => name switch
    {
        "explainer-openai" => LabelingPrompts.ExplainerOpenAi(Examples),
        "explainer-delphi" => LabelingPrompts.ExplainerDelphi(Examples),
        "explainer-delphi-activations" => LabelingPrompts.ExplainerDelphi(Examples, withActivations: true),
        "simulator" => LabelingPrompts.Simulator("the word cat and the word mat", Examples.Select(e => (IReadOnlyList<string>)e.Tokens).ToList()),
        "detection" => LabelingPrompts.Detection("animals", Samples),
        "fuzzing" => LabelingPrompts.Fuzzing("animals", Samples),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Renders))]
    public void Render_FixedExamples_EqualsGoldenFile(string name)
    {
        var rendered = Render(name);
        var path = Path.Combine(GoldenDir, name + ".txt");
        var text = $"# template {rendered.TemplateId}\n" + rendered.ToText();
        if (Environment.GetEnvironmentVariable("INTERP_UPDATE_GOLDEN") == "1") File.WriteAllText(path, text);
        Assert.True(File.Exists(path), $"no golden file {path}; run with INTERP_UPDATE_GOLDEN=1 once to write it, then review it.");
        Assert.Equal(File.ReadAllText(path), text);
    }

    [Fact]
    public void Library_EveryTemplate_HasAGoldenRenderingAndAVersionedId()
    {
        foreach (var name in PromptLibrary.Names)
        {
            var t = PromptLibrary.Get(name);
            Assert.Equal($"{name}@{t.Version}", t.Id);
            Assert.True(RenderNames.Any(r => r.StartsWith(name, StringComparison.Ordinal)), $"template {name} has no golden rendering");
            Assert.True(File.Exists(Path.Combine(ToyCacheFixture.RepoRoot, "prompts", name + ".prompt")), $"prompts/{name}.prompt is missing");
        }
    }

    [Fact]
    public void Render_AnyPrompt_CarriesTemplateIdAndFileHashInCacheKey()
    {
        var r = LabelingPrompts.Detection("animals", Samples);
        var t = PromptLibrary.Get(PromptLibrary.Detection);
        Assert.Equal(t.Id, r.TemplateId);
        Assert.Equal($"{t.Id}#{t.Hash}", r.CacheKey);
        var file = File.ReadAllText(Path.Combine(ToyCacheFixture.RepoRoot, "prompts", "detection.prompt"));
        Assert.Equal(t.Hash, PromptTemplate.Parse(file, "x").Hash);
        Assert.NotEqual(t.Hash, PromptTemplate.Parse(file + "\n", "x").Hash);
    }
}

// The toy-world ground truth through the LLM path's plumbing: the scripted stand-in (ToyStandInScript) answers the
// category name when the explain prompt shows that category's words firing, so each category concept's best feature
// must come back named through the real prompts, HTTP, parser, run store and record; relational concepts, which the
// script cannot recognise, must not.
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Labeling.LlmPath;
using Interp.Agent.Scoring;
using Interp.Agent.Tests.Llm;
using Xunit.Abstractions;

namespace Interp.Agent.Tests.Labeling.GroundTruth;

public sealed class ToyLabelCheckLlmTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-gt-llm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_ScriptedStandIn_CategoriesNamedThroughTheLlmPath()
    {
        await using var server = await LlmTestKit.Server(ToyStandInScript.Build());
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 60 }, storePath: Path.Combine(_dir, "llm.db")));
        var components = await LlmComponents.PrepareAsync(client, "gt", new LlmLabelingSettings(new LlmExplainerOptions()), [ScoreMethods.Simulation]);
        var r = await ToyLabelCheck.RunAsync(ToyCacheFixture.ModelDir, ToyCacheFixture.SaeDir, ToyCacheFixture.WorldDir, _dir,
            new ToyLabelOptions(MatchDocs: 500, CacheDocs: 500), components);
        foreach (var c in r.Concepts) output.WriteLine($"{c.Concept,-26} {c.Kind,-10} f{c.Feature,-5} F1 {c.F1:F2}  {c.Label ?? c.Failure}  {c.Verdict?.Why}");
        foreach (var (k, v) in r.ByKind) output.WriteLine($"{k}: {v.Named}/{v.Total}");
        Assert.Equal(19, r.Concepts.Count);
        Assert.True(server.RequestCount > r.Concepts.Count);
        Assert.True(r.ByKind["category"].Named >= 8, $"only {r.ByKind["category"].Named}/10 category features were named through the LLM path");
        Assert.Equal(0, r.ByKind["relational"].Named);
        Assert.All(r.Concepts.Where(c => c.Label is not null), c => Assert.True(c.Label!.EndsWith(" words") || c.Label == ToyStandInScript.Unclear, c.Label));
    }
}

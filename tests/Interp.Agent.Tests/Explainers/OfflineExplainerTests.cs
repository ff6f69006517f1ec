// The offline explainer on hand-made windows: which tokens it lists (by activation mass, up to the coverage), the context
// clause only when concentrated, the output side, the "offline description" marker, a failed state for a silent feature,
// and an exact render/parse round trip of its line.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Index.Records;
using static Interp.Agent.Tests.Labeling.ToyCacheFixture;

namespace Interp.Agent.Tests.Explainers;

public sealed class OfflineExplainerTests
{
    private static readonly LabelingExample[] Animals =
    [
        Window(ExampleSets.Explain, ExampleKinds.Top, 1, ["the", " cat", " sat", " the", " Dog"], [0, 6, 0, 0, 3]),
        Window(ExampleSets.Explain, ExampleKinds.Top, 2, ["a", " dog", " and", " the", " cow"], [0, 4, 0, 0, 2]),
        Window(ExampleSets.Explain, ExampleKinds.Quantile, 3, ["the", " owl", ".", "x", "y"], [0, 1, 0, 0, 0]),
    ];

    [Fact]
    public async Task Explain_AnimalWindows_ListsTokensByMassWithShareAndContext()
    {
        var r = await new OfflineExplainer(new OfflineExplainerOptions(Coverage: 0.85)).ExplainAsync(
            new ExplainRequest(7, Animals, [new TokenEffect(5, " ate", 1.5)], [new TokenEffect(6, " of", -1.2)]));
        Assert.True(r.Succeeded);
        var e = Assert.Single(r.Value);
        // mass: dog 3+4 = 7 (" Dog" and " dog" are one token), cat 6, cow 2, owl 1; total 16; 85 % needs dog, cat, cow (15/16)
        // before: "the" 6+3+2+1 = 12 of 16 → "often after the"
        Assert.Equal("offline description: fires on \"dog\", \"cat\", \"cow\" (94% of activation); often after \"the\"; promotes \"ate\"; suppresses \"of\"", e.Text);
        Assert.Equal(OfflineExplainer.ExplainerName, e.Explainer);
        Assert.Null(e.PromptVersion);
        Assert.Equal(3, e.Examples.Count);
    }

    [Fact]
    public async Task Explain_ContextNotConcentrated_NoAfterClause()
    {
        LabelingExample[] ex =
        [
            Window(ExampleSets.Explain, ExampleKinds.Top, 1, ["p", "x"], [0, 1]), Window(ExampleSets.Explain, ExampleKinds.Top, 2, ["q", "x"], [0, 1]),
            Window(ExampleSets.Explain, ExampleKinds.Top, 3, ["r", "x"], [0, 1]), Window(ExampleSets.Explain, ExampleKinds.Top, 4, ["s", "x"], [0, 1]),
            Window(ExampleSets.Explain, ExampleKinds.Top, 5, ["t", "x"], [0, 1]),
        ];
        var r = await new OfflineExplainer().ExplainAsync(new ExplainRequest(0, ex, [], []));
        // five context tokens, 20 % each: three of them reach 60 % ≥ 50 %, so the clause is kept; at 90 % even four (80 %) fall short
        Assert.Contains("often after", r.Value[0].Text);
        var r2 = await new OfflineExplainer(new OfflineExplainerOptions(ContextCoverage: 0.9)).ExplainAsync(new ExplainRequest(0, ex, [], []));
        Assert.Equal("offline description: fires on \"x\" (100% of activation)", r2.Value[0].Text);
    }

    [Fact]
    public async Task Explain_NoActivatingWindow_FailedStateNotALabel()
    {
        var r = await new OfflineExplainer().ExplainAsync(new ExplainRequest(3,
            [Window(ExampleSets.Explain, ExampleKinds.Random, 1, ["a", "b"], [0, 0])], [], []));
        Assert.False(r.Succeeded);
        Assert.Equal(FailureKinds.NoActivations, r.Error!.Kind);
        Assert.False(r.Error.Retryable);
    }

    [Fact]
    public void Label_RenderThenParse_RoundTripsEscapes()
    {
        var l = new OfflineLabel(["\"", "a\\b", "\n", "x, y"], 0.5, ["(", ";"], ["z"], []);
        var text = l.Render();
        Assert.StartsWith(OfflineLabel.Prefix, text);
        Assert.True(OfflineLabel.TryParse(text, out var back));
        Assert.Equal(l.FiresOn, back.FiresOn);
        Assert.Equal(l.After, back.After);
        Assert.Equal(l.Promotes, back.Promotes);
        Assert.Empty(back.Suppresses);
        Assert.Equal(0.5, back.Share);
        Assert.False(OfflineLabel.TryParse("animal names", out _));
        Assert.False(OfflineLabel.TryParse(OfflineLabel.Prefix + "fires on \"unterminated", out _));
    }
}

// The scorers on hand-made score sets: simulation is Pearson over all windows concatenated (not a mean of per-window r),
// undefined correlations and failing components are failed states, the lexical simulator and judge follow their rules,
// detection/fuzzing samples are built as delphi builds them, and the embedding score is the AUC of similarities.
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Prompts;
using Interp.Agent.Scoring;
using Microsoft.Extensions.AI;
using static Interp.Agent.Tests.Labeling.ToyCacheFixture;

namespace Interp.Agent.Tests.Scoring;

public sealed class ScorerTests
{
    private const double Tol = 1e-12;
    private const string Label = "offline description: fires on \"cat\", \"dog\" (90% of activation)";

    private static readonly LabelingExample[] Set =
    [
        Window(ExampleSets.Score, ExampleKinds.Top, 1, ["a", " cat", " sat"], [0, 5, 1]),
        Window(ExampleSets.Score, ExampleKinds.Quantile, 2, ["the", " dog", " dog"], [0, 2, 3]),
        Window(ExampleSets.Score, ExampleKinds.Random, 3, ["a", " cow", "."], [0, 0, 0]),
    ];

    /// <summary>A stand-in simulator returning fixed predictions (not an LLM).</summary>
    private sealed class FixedSimulator(IReadOnlyList<double[]>? values, StageError? error = null) : ISimulator
    {
        public string Capability => "fixed";
        public string? LlmModel => "stand-in";
        public string? PromptVersion => "simulator@1";
        public Task<Outcome<IReadOnlyList<double[]>>> SimulateAsync(string e, IReadOnlyList<IReadOnlyList<string>> s, CancellationToken ct = default) =>
            Task.FromResult(error is null ? Outcome<IReadOnlyList<double[]>>.Ok(values!) : Outcome<IReadOnlyList<double[]>>.Fail(error, new StageUsage(1, 10, 2, 0.001)));
    }

    [Fact]
    public async Task Simulation_ConcatenatedPearsonNotMeanOfWindows()
    {
        double[][] pred = [[0, 8, 0], [0, 6, 6], [1, 0, 0]];
        var r = await new SimulationScorer(new FixedSimulator(pred)).ScoreAsync(new ScoreRequest(0, "x", 0, Set, 5));
        Assert.True(r.Succeeded);
        double expected = Statistics.Pearson([0, 5, 1, 0, 2, 3, 0, 0, 0], [0, 8, 0, 0, 6, 6, 1, 0, 0])!.Value;
        Assert.True(Math.Abs(r.Value.Value - expected) < Tol);
        // the mean of per-window correlations is another number (window 3 has none): the aggregate must not be it
        double perWindow = (Statistics.Pearson([0, 5, 1], [0, 8, 0])!.Value + Statistics.Pearson([0, 2, 3], [0, 6, 6])!.Value) / 2;
        Assert.True(Math.Abs(r.Value.Value - perWindow) > 0.01);
        Assert.Equal("simulation", r.Value.Method);
        Assert.Equal("fixed", r.Value.Capability);
        Assert.Equal("simulator@1", r.Value.PromptVersion);
        Assert.Equal(3, r.Value.Examples.Count);
        Assert.True(r.Value.CiLow <= r.Value.Value && r.Value.Value <= r.Value.CiHigh);
    }

    [Fact]
    public async Task Simulation_AllZeroReal_FailedUndefinedNotANumber()
    {
        var silent = Set.Select(e => e with { Activations = new float[e.Activations.Length] }).ToList();
        var r = await new SimulationScorer(new FixedSimulator([[1, 0, 0], [0, 1, 0], [0, 0, 1]])).ScoreAsync(new ScoreRequest(0, "x", 0, silent, 5));
        Assert.False(r.Succeeded);
        Assert.Equal(FailureKinds.UndefinedScore, r.Error!.Kind);
    }

    [Fact]
    public async Task Simulation_ConstantPrediction_FailedUndefined()
    {
        var r = await new SimulationScorer(new FixedSimulator([[0, 0, 0], [0, 0, 0], [0, 0, 0]])).ScoreAsync(new ScoreRequest(0, "x", 0, Set, 5));
        Assert.Equal(FailureKinds.UndefinedScore, r.Error!.Kind);
    }

    [Fact]
    public async Task Simulation_SimulatorFails_FailureAndUsageKept()
    {
        var r = await new SimulationScorer(new FixedSimulator(null, new StageError(FailureKinds.MalformedOutput, "no numbers", "blah")))
            .ScoreAsync(new ScoreRequest(0, "x", 0, Set, 5));
        Assert.False(r.Succeeded);
        Assert.Equal("blah", r.Error!.Raw);
        Assert.True(r.Error.Retryable);
        Assert.Equal(1, r.Usage.Calls);
    }

    [Fact]
    public async Task LexicalSimulator_OfflineLabel_RankedTermsTenDownToFive()
    {
        var r = await new LexicalSimulator().SimulateAsync(Label, [["a", " Cat", " dog", " cow"]]);
        Assert.Equal([0, 10, 5, 0], r.Value[0]);
        var ctx = await new LexicalSimulator().SimulateAsync("offline description: fires on \"x\" (50% of activation); often after \"the\"", [["the", "y", "x"]]);
        Assert.Equal([0, LexicalSimulator.AfterValue, 10], ctx.Value[0]);
        var free = await new LexicalSimulator().SimulateAsync("mentions of \"Paris\" and cities like London", [["in", " London", " paris", " of"]]);
        Assert.Equal(0, free.Value[0][0]);
        Assert.True(free.Value[0][1] > 0 && free.Value[0][2] > 0);
        Assert.Equal(0, free.Value[0][3]);
    }

    [Fact]
    public async Task Detection_LexicalJudge_HandCountedMetrics()
    {
        var r = await new ClassifierScorer(JudgeTask.Detection, new LexicalJudge(), batchSize: 2).ScoreAsync(new ScoreRequest(4, Label, 0, Set, 9));
        Assert.True(r.Succeeded);
        // windows 1, 2 mention cat / dog and fire; window 3 mentions neither and is silent: all correct
        Assert.Equal(1.0, r.Value.Value);
        Assert.Equal(1.0, r.Value.Metrics["f1"]);
        Assert.False(r.Value.Metrics.ContainsKey("auc"));
        Assert.Equal("detection", r.Value.Method);
        Assert.Equal(LexicalSimulator.CapabilityName, r.Value.Capability);
    }

    [Fact]
    public void Fuzzing_Samples_TrueMarksOnActiveWrongMarksOnSilent()
    {
        var s = new ClassifierScorer(JudgeTask.Fuzzing, new LexicalJudge()).Samples(Set, new Interp.Tensors.Rng(1));
        // window 1: max 5 → threshold 1.5: only " cat"; window 2: max 3 → 0.9: both dogs; window 3: ceil(mean(2, 2)) = 2 random marks
        Assert.Equal("a<< cat>> sat", s[0].Text);
        Assert.Equal("the<< dog dog>>", s[1].Text);
        Assert.Equal(2, CountMarked(s[2].Text));
    }

    private static int CountMarked(string text)
    {
        // tokens are "a", " cow", "." : count how many of them sit inside << >>
        int n = 0;
        bool inside = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (text.AsSpan(i).StartsWith("<<")) { inside = true; i++; continue; }
            if (text.AsSpan(i).StartsWith(">>")) { inside = false; i++; continue; }
            if (inside && (text[i] == 'a' || text[i] == 'c' || text[i] == '.')) n++;
        }
        return n;
    }

    /// <summary>A judge stand-in that fails its second batch (as an LLM returning garbage would).</summary>
    private sealed class FlakyJudge : IClassifierJudge
    {
        private int _calls;
        public string Capability => "stand-in";
        public string? LlmModel => "stand-in";
        public string? PromptVersion(JudgeTask task) => "detection@1";
        public Task<Outcome<JudgeVerdicts>> JudgeAsync(JudgeTask task, string explanation, IReadOnlyList<JudgeSample> batch, CancellationToken ct = default) =>
            Task.FromResult(++_calls == 2 ? Outcome<JudgeVerdicts>.Fail(FailureKinds.MalformedOutput, "no list", "I think yes")
                : Outcome<JudgeVerdicts>.Ok(new JudgeVerdicts(batch.Select(_ => true).ToList(), batch.Select(_ => 0.7).ToList())));
    }

    [Fact]
    public async Task Detection_JudgeFailsABatch_WholeScoreFailedWithRaw()
    {
        var r = await new ClassifierScorer(JudgeTask.Detection, new FlakyJudge(), batchSize: 2).ScoreAsync(new ScoreRequest(4, Label, 0, Set, 9));
        Assert.False(r.Succeeded);
        Assert.Equal("I think yes", r.Error!.Raw);
        Assert.Contains("batch 2", r.Error.Reason);
    }

    /// <summary>A stand-in embedder (not MiniLM): the query and window texts map to fixed unit vectors.</summary>
    private sealed class TableEmbedder(Dictionary<string, float[]> table) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public int Calls;
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(table[v]))));
        }
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    [Fact]
    public async Task Embedding_AucOfSimilarities_AndCacheAvoidsRecomputing()
    {
        var table = new Dictionary<string, float[]>
        {
            ["cat dog"] = [1, 0], ["a cat sat"] = [0.8f, 0.6f], ["the dog dog"] = [0f, 1f], ["a cow."] = [0.6f, 0.8f],
        };
        var inner = new TableEmbedder(table);
        var cached = new CachingEmbeddingGenerator(inner);
        var scorer = new EmbeddingScorer(cached);
        var r = await scorer.ScoreAsync(new ScoreRequest(0, Label, 0, Set, 3));
        // similarities: positives .8 and 0, negative .6 → wins: (.8 > .6) only → AUC 0.5
        Assert.Equal(0.5, r.Value.Value);
        Assert.Equal("minilm", r.Value.Capability);
        await scorer.ScoreAsync(new ScoreRequest(0, Label, 0, Set, 3));
        Assert.Equal(1, inner.Calls);
        Assert.Equal(4, cached.Hits);
    }

    [Fact]
    public async Task Embedding_NoNegatives_Failed()
    {
        var r = await new EmbeddingScorer(new TableEmbedder(new())).ScoreAsync(new ScoreRequest(0, Label, 0, Set.Take(2).ToList(), 3));
        Assert.Equal(FailureKinds.NoNegatives, r.Error!.Kind);
    }
}

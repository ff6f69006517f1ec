// Labeling runs end to end on the toy cache: every feature gets a record with scores and intervals; a run stopped midway
// and resumed ends with exactly the records of an uninterrupted one; transient failures (a stand-in explainer standing in
// for an LLM that errors) are retried by the next run for exactly those features and no succeeded stage is redone;
// over-budget stages wait for a bigger budget; and real explanations beat shuffled ones.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Report;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Scoring;
using Interp.Index.Records;

namespace Interp.Agent.Tests.Labeling;

[Collection(ToyCacheCollection.Name)]
public sealed class LabelingRunnerTests(ToyCacheFixture fx)
{
    private static readonly string[] Offline = [ScoreMethods.Simulation, ScoreMethods.Detection, ScoreMethods.Fuzzing];

    private LabelingRequest Request(string name, string features = "0-39", IReadOnlyList<string>? scorers = null, int concurrency = 2, double? budget = null) =>
        new(ToyCacheFixture.ModelDir, ToyCacheFixture.SaeDir, fx.CachePath, fx.File(name), features, Scorers: scorers ?? Offline,
            Resamples: 200, Run: new RunOptions(concurrency, budget));

    /// <summary>Record JSON with the run's creation time and failure times (which differ between two stores) blanked.</summary>
    internal static List<string> Normalized(IEnumerable<FeatureRecord> records) => records.Select(r => FeatureRecordJson.Serialize(r with
    {
        Provenance = r.Provenance with { CreatedAt = default },
        Failures = r.Failures.Select(f => f with { At = default }).ToList(),
    })).ToList();

    [Fact]
    public async Task Run_ToyFeatures_RecordPerFeatureWithScoresAndIntervals()
    {
        using var job = LabelingJob.Prepare(Request("all.db"));
        var p = await job.RunAsync();
        Assert.Equal(40, p.Done);
        var records = job.Store.ReadRecords();
        Assert.Equal(Enumerable.Range(0, 40), records.Select(r => r.Feature));
        var labeled = records.Where(r => r.IsLabeled).ToList();
        Assert.True(labeled.Count >= 30, $"only {labeled.Count} of 40 toy features were labeled");
        foreach (var r in labeled)
        {
            Assert.StartsWith(OfflineLabel.Prefix, r.Explanations[0].Text);
            Assert.NotNull(r.Stats);
            Assert.Equal(job.Store.RunId, r.Provenance.RunId);
            foreach (var s in r.Scores)
            {
                Assert.True(s.CiLow <= s.Value + 1e-9 && s.Value <= s.CiHigh + 1e-9 || double.IsNaN(s.CiLow), $"feature {r.Feature} {s.Method}: {s.Value} outside [{s.CiLow}, {s.CiHigh}]");
                Assert.NotEmpty(s.Examples);
            }
            Assert.True(r.Scores.Any(s => s.Method == ScoreMethods.Simulation) ^ r.Failures.Any(f => f.Stage == "score:simulation"),
                $"feature {r.Feature} must have a simulation score or a simulation failure, not both or neither");
        }
        Assert.True(labeled.Count(r => r.Scores.Any(s => s.Method == ScoreMethods.Simulation)) >= labeled.Count * 3 / 4);
        // a feature without a label says why, as a failure state
        Assert.All(records.Where(r => !r.IsLabeled), r => Assert.Contains(r.Failures, f => f.Stage == StageNames.Explain));
        // every stage row is settled
        Assert.All(job.Store.AllStages().Values.SelectMany(x => x.Values), row => Assert.NotEqual(StageStatus.Pending, row.Status));
    }

    [Fact]
    public async Task Run_StoppedMidwayThenResumed_SameRecordsAsUninterrupted()
    {
        string[] scorers = [.. Offline, ScoreMethods.Embedding];   // MiniLM too: its vectors do not depend on batching or timing
        using (var full = LabelingJob.Prepare(Request("full.db", scorers: scorers, concurrency: 1))) await full.RunAsync();
        using var cts = new CancellationTokenSource();
        using (var first = LabelingJob.Prepare(Request("stopped.db", scorers: scorers, concurrency: 2)))
        {
            var progress = new Inline(p => { if (p.Done >= 9) cts.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RunAsync(progress, cts.Token));
            Assert.InRange(first.Store.ReadRecords().Count, 9, 39);
        }
        using var resumed = LabelingJob.Prepare(Request("stopped.db", scorers: scorers, concurrency: 2));
        var p = await resumed.RunAsync();
        Assert.True(p.DoneBefore >= 9);
        Assert.Equal(40, p.Done);
        using var fullStore = RunStore.OpenRead(fx.File("full.db"));
        Assert.Equal(Normalized(fullStore.ReadRecords()), Normalized(resumed.Store.ReadRecords()));
    }

    /// <summary>Stands in for an LLM explainer: fails features in <see cref="Failing"/> with an HTTP error (as a 503 would),
    /// otherwise explains offline; counts calls per feature and charges a fixed cost.</summary>
    private sealed class StandInExplainer : IExplainer
    {
        public HashSet<int> Failing { get; set; } = [];
        public Dictionary<int, int> Calls { get; } = new();
        public string Name => "llm";
        public async Task<Outcome<IReadOnlyList<Explanation>>> ExplainAsync(ExplainRequest request, CancellationToken ct = default)
        {
            lock (Calls) Calls[request.Feature] = Calls.GetValueOrDefault(request.Feature) + 1;
            var usage = new StageUsage(1, 500, 20, 0.01);
            if (Failing.Contains(request.Feature)) return Outcome<IReadOnlyList<Explanation>>.Fail(FailureKinds.HttpStatus, "503 Service Unavailable", "{\"error\":\"busy\"}", usage);
            var o = await new OfflineExplainer().ExplainAsync(request, ct);
            return o.Succeeded ? Outcome<IReadOnlyList<Explanation>>.Ok(o.Value, usage) : Outcome<IReadOnlyList<Explanation>>.Fail(o.Error!, usage);
        }
    }

    private static Func<RunManifest, LabelingComponents> With(IExplainer explainer) => m =>
    {
        var offline = LabelingComponents.Offline(m with { Explainer = LabelingComponents.OfflineExplainerKind });
        return new LabelingComponents { Explainer = explainer, Scorers = offline.Scorers, LlmStages = new HashSet<string> { StageNames.Explain } };
    };

    [Fact]
    public async Task Run_TransientFailures_NextRunRedoesExactlyThoseAndNothingElse()
    {
        var ex = new StandInExplainer { Failing = [3, 4, 7, 11] };
        var req = Request("flaky.db", "0-15") with { Explainer = LabelingComponents.LlmExplainerKind };
        using (var job = LabelingJob.Prepare(req, components: With(ex)))
        {
            var p = await job.RunAsync();
            Assert.True(p.Failed >= 4);
            foreach (var f in ex.Failing)
            {
                var r = job.Store.ReadRecord(f)!;
                Assert.False(r.IsLabeled);
                var failure = Assert.Single(r.Failures, x => x.Stage == StageNames.Explain);
                Assert.Equal(FailureKinds.HttpStatus, failure.Kind);
                Assert.Equal("{\"error\":\"busy\"}", failure.Raw);
                Assert.Empty(r.Scores);
            }
            Assert.True(Math.Abs(p.CostUsd - 0.16) < 1e-9, $"16 calls at $0.01, got {p.CostUsd}");
        }
        var before = ex.Calls.ToDictionary(kv => kv.Key, kv => kv.Value);
        ex.Failing = [];
        using (var job = LabelingJob.Prepare(req, components: With(ex)))
        {
            await job.RunAsync();
            foreach (var f in Enumerable.Range(0, 16))
                Assert.Equal(before[f] + (f is 3 or 4 or 7 or 11 ? 1 : 0), ex.Calls[f]);
            Assert.All(new[] { 3, 4, 7, 11 }, f => Assert.True(job.Store.ReadRecord(f)!.IsLabeled || job.Store.ReadRecord(f)!.Failures.Any(x => x.Kind == FailureKinds.NoActivations)));
            Assert.Equal(20, job.Store.Summary().Usage.Calls);
        }
    }

    [Fact]
    public async Task Run_OverBudget_StagesWaitThenCompleteWithMoreBudget()
    {
        var ex = new StandInExplainer();
        var req = Request("budget.db", "0-9", concurrency: 1, budget: 0.035) with { Explainer = LabelingComponents.LlmExplainerKind };
        using (var job = LabelingJob.Prepare(req, components: With(ex)))
        {
            await job.RunAsync();
            var over = job.Store.ReadRecords().Where(r => r.Failures.Any(f => f.Kind == FailureKinds.OverBudget)).ToList();
            Assert.Equal(6, over.Count);   // 4 calls reach $0.04 ≥ $0.035, the other 6 wait
            Assert.Equal(4, ex.Calls.Count);
        }
        using (var job = LabelingJob.Prepare(req with { Run = new RunOptions(1, 1.0) }, components: With(ex)))
        {
            await job.RunAsync();
            Assert.DoesNotContain(job.Store.ReadRecords(), r => r.Failures.Any(f => f.Kind == FailureKinds.OverBudget));
            Assert.Equal(10, ex.Calls.Count);
            Assert.All(ex.Calls.Values, c => Assert.Equal(1, c));
        }
    }

    [Fact]
    public async Task Run_ToySae_RealExplanationsBeatShuffled()
    {
        using var job = LabelingJob.Prepare(Request("sanity.db", "0-79", [ScoreMethods.Simulation]));
        await job.RunAsync();
        var a = RunAnalysis.From(job.Store.ReadRecords(), [ScoreMethods.Simulation], [ScoreMethods.Simulation]);
        var c = Assert.Single(a.Shuffled);
        Assert.True(c.Pairs >= 30, $"{c.Pairs} pairs");
        Assert.True(c.MarginLow > 0, $"real {c.MeanReal} vs shuffled {c.MeanShuffled}: margin CI [{c.MarginLow}, {c.MarginHigh}] should be above 0");
        Assert.True(c.RealBeats > c.Pairs * 3 / 4, $"real beats shuffled on only {c.RealBeats} of {c.Pairs}");
    }

    [Fact]
    public async Task Run_EmbeddingAndClusters_MiniLmScoresAndClusterLabels()
    {
        var req = Request("emb.db", "0-5", [ScoreMethods.Simulation, ScoreMethods.Embedding]) with { Clusters = 2 };
        using var job = LabelingJob.Prepare(req);
        await job.RunAsync();
        var labeled = job.Store.ReadRecords().Where(r => r.IsLabeled).ToList();
        Assert.NotEmpty(labeled);
        foreach (var r in labeled)
        {
            Assert.All(r.Explanations, e => Assert.NotNull(e.Cluster));
            var emb = r.Scores.Where(s => s.Method == ScoreMethods.Embedding).ToList();
            Assert.Equal(r.Explanations.Count, emb.Count + r.Failures.Count(f => f.Stage.StartsWith("score:embedding#") || f.Stage == "score:embedding"));
            Assert.All(emb, s => Assert.InRange(s.Value, 0, 1));
            Assert.All(emb, s => Assert.Equal("minilm", s.Capability));
        }
    }

    [Fact]
    public void Prepare_CacheFromAnotherSae_ClearError()
    {
        var other = Path.Combine(ToyCacheFixture.RepoRoot, "evals", "saes", "english-small-resid2-topk");
        var e = Assert.Throws<ArgumentException>(() => LabelingJob.Prepare(Request("x.db") with { SaeDir = other }));
        Assert.Contains("was built from another SAE", e.Message);
    }

    [Fact]
    public void Prepare_CacheFromAnotherModel_ClearError()
    {
        // the same weights under a config.json that differs by one trailing line: another model fingerprint
        var other = fx.File("other-model");
        Directory.CreateDirectory(other);
        foreach (var f in Directory.GetFiles(ToyCacheFixture.ModelDir)) File.Copy(f, Path.Combine(other, Path.GetFileName(f)), overwrite: true);
        File.AppendAllText(Path.Combine(other, "config.json"), "\n");
        var e = Assert.Throws<ArgumentException>(() => LabelingJob.Prepare(Request("z.db") with { ModelDir = other }));
        Assert.Contains("was built from another model", e.Message);
        Assert.Contains("--corpus to build one", e.Message);
    }

    [Fact]
    public void Prepare_FeaturesOutOfRange_ClearError() =>
        Assert.Contains("outside this SAE's features 0..1023", Assert.Throws<ArgumentException>(() => LabelingJob.Prepare(Request("y.db", "1000-1100"))).Message);

    private sealed class Inline(Action<LabelingProgress> on) : IProgress<LabelingProgress>
    {
        public void Report(LabelingProgress value) => on(value);
    }
}

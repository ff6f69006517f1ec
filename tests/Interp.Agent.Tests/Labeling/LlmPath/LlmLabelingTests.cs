// The LLM path of labeling runs against the stand-in over loopback HTTP: labels, scores and prompt versions reach the
// records; a finished run and a new store over the same response cache send nothing; the capability probe picks the
// simulator; a stand-in failing 30 % of calls leaves exactly those features failed with the reason, and a re-run against
// a healthy stand-in completes exactly them without resending anything that succeeded; a malformed answer is a failed
// state with the raw text in the record.
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Labeling.LlmPath;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Probe;
using Interp.Agent.Scoring;
using Interp.Agent.StandIn;
using Interp.Agent.Tests.Llm;
using Interp.Index.Records;

namespace Interp.Agent.Tests.Labeling.LlmPath;

[Collection(ToyCacheCollection.Name)]
public sealed class LlmLabelingTests(ToyCacheFixture fx) : IDisposable
{
    private readonly List<string> _dbs = [];
    private static readonly string[] LlmScorers = [ScoreMethods.Simulation, ScoreMethods.Detection, ScoreMethods.Fuzzing];

    public void Dispose()
    {
        foreach (var d in _dbs) foreach (var f in new[] { d, d + "-wal", d + "-shm" }) try { File.Delete(f); } catch (IOException) { }
    }

    private string Db() { var p = LlmTestKit.TempDb(); _dbs.Add(p); return p; }

    private LabelingRequest Request(string name, string features, IReadOnlyList<string>? scorers = null, IReadOnlyList<string>? shuffled = null, int concurrency = 4) =>
        new(ToyCacheFixture.ModelDir, ToyCacheFixture.SaeDir, fx.CachePath, fx.File(name), features, Explainer: LabelingComponents.LlmExplainerKind,
            Scorers: scorers ?? LlmScorers, Shuffled: shuffled ?? [ScoreMethods.Simulation], Resamples: 200, Run: new RunOptions(concurrency), LlmModel: LlmTestKit.Model);

    private static async Task<(LabelingJob Job, LabelingProgress Progress)> Run(LlmClient client, LabelingRequest r, LlmLabelingSettings? s = null)
    {
        var components = await LlmComponents.PrepareAsync(client, "label:" + r.OutPath, s ?? new LlmLabelingSettings(new LlmExplainerOptions()), r.Scorers!);
        var job = LabelingJob.Prepare(r, components: components);
        return (job, await job.RunAsync());
    }

    private static IEnumerable<StandInRequest> Labeling(IEnumerable<StandInRequest> requests) =>
        requests.Where(q => q.Rule is not null && (q.Rule.StartsWith("explain", StringComparison.Ordinal) || q.Rule.StartsWith("simulate", StringComparison.Ordinal)
                                                   || q.Rule.StartsWith("judge", StringComparison.Ordinal) || q.Rule is "flaky" or "garbled"));

    [Fact]
    public async Task Run_ScriptedStandIn_LlmLabelsScoresAndPromptVersionsInRecords()
    {
        await using var server = await LlmTestKit.Server(ToyStandInScript.Build());
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 60 }, storePath: Db()));
        var (job, p) = await Run(client, Request("llm-a.db", "0-23"));
        using (job)
        {
            Assert.Equal(24, p.Done);
            Assert.True(p.Calls > 24, $"only {p.Calls} LLM calls were counted");
            var records = job.Store.ReadRecords();
            Assert.Equal(LlmTestKit.Model, job.Store.Manifest.LlmModel);
            Assert.Equal("explainer-openai@1", job.Store.Manifest.Prompts["explainer-openai"]);
            foreach (var r in records.Where(r => r.IsLabeled))
            {
                var e = Assert.Single(r.Explanations);
                Assert.Equal(("llm", LlmTestKit.Model, "explainer-openai@1"), (e.Explainer, e.LlmModel, e.PromptVersion));
                Assert.NotEmpty(e.Examples);
                foreach (var s in r.Scores)
                {
                    Assert.Equal(LlmTestKit.Model, s.LlmModel);
                    Assert.Equal(s.Method.StartsWith("simulation", StringComparison.Ordinal) ? "simulator@1" : s.Method + "@1", s.PromptVersion);
                    Assert.Equal(SimulatorCapabilities.ChatTopLogprobs, s.Capability);
                    Assert.True(s.CiLow <= s.Value + 1e-9 && s.Value <= s.CiHigh + 1e-9, $"feature {r.Feature} {s.Method}: {s.Value} outside [{s.CiLow}, {s.CiHigh}]");
                }
                // detection and fuzzing: balanced accuracy, F1, and an AUC because the judge gave logprobs
                foreach (var m in new[] { ScoreMethods.Detection, ScoreMethods.Fuzzing })
                {
                    // a feature dense enough to fire in every random window has no negatives: a failed state of its own
                    if (r.Failures.Any(f => f.Stage == StageNames.Score(m) && f.Kind == FailureKinds.NoNegatives)) continue;
                    Assert.True(r.Scores.Any(x => x.Method == m), $"feature {r.Feature} has no {m} score: " +
                        string.Join(" | ", r.Failures.Select(f => $"{f.Stage} {f.Kind} {f.Reason} raw={f.Raw}")));
                    var s = Assert.Single(r.Scores, x => x.Method == m);
                    Assert.Equal(s.Value, s.Metrics["balanced_accuracy"]);
                    Assert.Contains("f1", s.Metrics.Keys);
                    // the scripted judge puts (nearly) all the mass on its answer, so P(1) ranks like the verdicts
                    Assert.Equal(s.Metrics["balanced_accuracy"], s.Metrics["auc"], 6);
                }
            }
            // category features get the category's label, and their simulation (10 on its words) correlates
            var named = records.Where(r => r.Explanations.FirstOrDefault()?.Text is { } t && t != ToyStandInScript.Unclear).ToList();
            Assert.NotEmpty(named);
            int correlated = named.Count(r => r.Scores.Any(s => s.Method == ScoreMethods.Simulation && s.Value > 0));
            Assert.True(correlated * 4 >= named.Count * 3, $"only {correlated} of {named.Count} category-labelled features simulate with r > 0");
            // an unclear label simulates 0 everywhere: undefined correlation, a failed state (never a 0 score)
            foreach (var r in records.Where(r => r.Explanations.FirstOrDefault()?.Text == ToyStandInScript.Unclear))
                Assert.Contains(r.Failures, f => f.Stage == "score:simulation" && f.Kind == FailureKinds.UndefinedScore);
        }
        var sent = server.RequestCount;
        int calls = p.Calls;

        // the same command on the finished store sends nothing
        var (again, p2) = await Run(client, Request("llm-a.db", "0-23"));
        using (again) Assert.Equal((24, calls, sent), (p2.DoneBefore, p2.Calls, server.RequestCount));
        // a new store over the same response cache: every answer from the cache, same records
        var (copy, p3) = await Run(client, Request("llm-b.db", "0-23"));
        using (copy)
        {
            Assert.Equal(0, p3.Calls);
            Assert.Equal(sent, server.RequestCount);
            using var a = RunStore.OpenRead(fx.File("llm-a.db"));
            Assert.Equal(Norm(a.ReadRecords()), Norm(copy.Store.ReadRecords()));
        }
    }

    private static List<string> Norm(IEnumerable<FeatureRecord> rs) =>
        rs.Select(r => FeatureRecordJson.Serialize(r with { Provenance = r.Provenance with { RunId = "", CreatedAt = default }, Failures = r.Failures.Select(f => f with { At = default }).ToList() })).ToList();

    [Theory]
    [InlineData("\"echo\": \"yes\"", SimulatorCapabilities.CompletionsEcho)]
    [InlineData("\"echo\": \"reject\"", SimulatorCapabilities.ChatTopLogprobs)]
    [InlineData("\"echo\": \"reject\", \"logprobs\": \"reject\"", SimulatorCapabilities.ChatParsed)]
    public async Task Probe_PicksSimulatorByCapability_AndTheRunUsesIt(string caps, string expected)
    {
        var script = ToyStandInScript.Build().Replace("\"capabilities\": {", "\"capabilities\": { " + caps + ",");
        script = System.Text.RegularExpressions.Regex.Replace(script, "\"echo\": \"reject\",\\s*\"max_top", "\"max_top");
        await using var server = await LlmTestKit.Server(script);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 60 }, storePath: Db()));
        Assert.Equal(expected, SimulatorCapabilities.Choose(await client.ProbeAsync(LlmRole.Simulator)));
        var (job, _) = await Run(client, Request($"llm-probe-{expected}.db", "0-11", [ScoreMethods.Simulation], []));
        using (job)
        {
            var records = job.Store.ReadRecords();
            var sims = server.Requests.Where(q => (q.Path == "completions" && ((string?)q.Body?["prompt"] ?? "").Contains("\tunknown"))
                                                  || (q.Rule?.StartsWith("simulate", StringComparison.Ordinal) ?? false)).ToList();
            Assert.NotEmpty(sims);
            if (expected == SimulatorCapabilities.CompletionsEcho)
            {
                // echo + logprobs on /v1/completions; the stand-in's echoed alternatives are the same at every position, so
                // the expected activation is constant and the correlation undefined: failed states, not numbers
                var echo = server.Requests.Where(q => q.Path == "completions" && ((string?)q.Body?["prompt"] ?? "").Contains("\tunknown")).ToList();
                Assert.NotEmpty(echo);
                Assert.All(echo, q => Assert.Equal((true, true), ((bool)q.Body!["echo"]!, q.Body["logprobs"] is not null)));
                foreach (var r in records.Where(r => r.IsLabeled))
                    Assert.True(r.Failures.Any(f => f.Stage == "score:simulation" && f.Kind == FailureKinds.UndefinedScore),
                        $"feature {r.Feature}: scores {string.Join(", ", r.Scores.Select(x => $"{x.Method} {x.Capability} {x.Value}"))}; failures {string.Join(", ", r.Failures.Select(f => $"{f.Stage} {f.Kind} {f.Reason}"))}");
            }
            else
            {
                bool logprobs = expected == SimulatorCapabilities.ChatTopLogprobs;
                Assert.All(sims, q => Assert.Equal(logprobs, (bool?)q.Body!["logprobs"] ?? false));
                var scored = records.SelectMany(r => r.Scores).ToList();
                Assert.NotEmpty(scored);
                Assert.All(scored, s => Assert.Equal(expected, s.Capability));
            }
        }
    }

    [Fact]
    public void EchoSimulator_ExpectedValueAtEachPlaceholder()
    {
        // prompt "a\tunknown\nb\tunknown\n", tokens: "a", "\t", "unknown", "\n", "b", "\t", "unknown", "\n"
        string prompt = "x\n<start>\na\tunknown\nb\tunknown\n<end>\n";
        var toks = new[] { "x", "\n<start>\n", "a", "\t", "unknown", "\n", "b", "\t", "unknown", "\n<end>\n" };
        var offsets = new List<int>();
        int at = 0;
        foreach (var t in toks) { offsets.Add(at); at += t.Length; }
        IReadOnlyDictionary<string, double> Top(params (string, double)[] xs) => xs.ToDictionary(x => x.Item1, x => x.Item2);
        var tops = toks.Select((t, i) => (IReadOnlyDictionary<string, double>?)(i == 0 ? null : Top(("z", -1)))).ToList();
        tops[4] = Top(("0", Math.Log(0.5)), ("10", Math.Log(0.5)), ("cat", -0.1));   // EV 5
        tops[8] = Top(("2", Math.Log(0.25)), ("4", Math.Log(0.75)));                 // EV 3.5
        var r = new Interp.Agent.Llm.Wire.LlmCompletionResult(prompt, "length", toks, toks.Select(_ => (double?)null).ToList(), tops, offsets);
        var o = EchoLogprobSimulator.Read(prompt, [2], r, StageUsage.None);
        Assert.True(o.Succeeded, o.Error?.Reason);
        Assert.Equal(5.0, o.Value[0][0], 9);
        Assert.Equal(3.5, o.Value[0][1], 9);
        // a placeholder whose alternatives hold no number is a failure, not 0
        tops[8] = Top(("cat", -0.1));
        var bad = EchoLogprobSimulator.Read(prompt, [2], r with { TopLogprobs = tops }, StageUsage.None);
        Assert.Equal(FailureKinds.MalformedOutput, bad.Error?.Kind);
    }

    [Fact]
    public async Task StandInFailing30Percent_ThoseFeaturesFailWithReason_RerunAgainstHealthyCompletesExactlyThose()
    {
        string healthy = ToyStandInScript.Build();
        string flaky = healthy.Replace("\"rules\": [", """
            "rules": [ { "name": "flaky", "when": { "path": "chat", "any_message": "excerpts:|^Explanation of the feature|^You check" }, "fraction": 0.3, "fault": { "kind": "status", "status": 500 } },
            """);
        await using var server = await LlmTestKit.Server(flaky);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 60 }, storePath: Db()));
        var r = Request("llm-flaky.db", "0-39", [ScoreMethods.Simulation], []);   // two calls per feature: explain, simulate
        HashSet<int> failed;
        Dictionary<(int, string), int> settledAttempts;
        long lastCall;
        var (job, p) = await Run(client, r);
        using (job)
        {
            var records = job.Store.ReadRecords();
            failed = records.Where(x => x.Failures.Any(f => FailureKinds.IsRetryable(f.Kind))).Select(x => x.Feature).ToHashSet();
            var failures = records.SelectMany(x => x.Failures).Where(f => f.Kind == FailureKinds.HttpStatus).ToList();
            Assert.NotEmpty(failures);
            Assert.All(failures, f => Assert.Contains("500", f.Reason));
            Assert.InRange(failed.Count, 6, 34);   // 1 - 0.7² ≈ half of the features meet a failing call
            Assert.Equal(failed.Count, p.Failed - records.Count(x => !failed.Contains(x.Feature) && x.Failures.Count > 0));
            var tried = Labeling(server.Requests).GroupBy(q => q.Body!.ToJsonString()).ToList();   // distinct calls (a failing one is tried 4 times)
            double share = tried.Count(g => g.First().Rule == "flaky") / (double)tried.Count;
            Assert.InRange(share, 0.15, 0.45);   // about 30 % of the calls
            settledAttempts = job.Store.AllStages().SelectMany(kv => kv.Value.Values.Where(x => !x.NeedsWork && x.Kind != "blocked").Select(x => ((kv.Key, x.Stage), x.Attempts))).ToDictionary();
            lastCall = Calls(client).Max(c => c.Id);
        }

        server.Script = StandInScript.Parse(healthy);
        server.ResetRecording();
        var (again, p2) = await Run(client, r);
        using (again)
        {
            var records = again.Store.ReadRecords();
            Assert.DoesNotContain(records, x => x.Failures.Any(f => FailureKinds.IsRetryable(f.Kind)));
            Assert.Equal(40 - failed.Count, p2.DoneBefore);
            // LLM calls of the re-run (the ledger) were made for the failed features only, and no settled stage ran again
            var rerun = Calls(client).Where(c => c.Id > lastCall && c.Role != "simulator-probe").ToList();
            Assert.NotEmpty(rerun);
            Assert.All(rerun.Where(c => c.Feature is not null), c => Assert.Contains(int.Parse(c.Feature!["feature/".Length..]), failed));
            Assert.Equal(failed.OrderBy(x => x), rerun.Where(c => !c.Cached).Select(c => int.Parse(c.Feature!["feature/".Length..])).Distinct().Order());
            var after = again.Store.AllStages();
            foreach (var ((f, stage), attempts) in settledAttempts) Assert.Equal(attempts, after[f][stage].Attempts);
            var resent = Labeling(server.Requests).ToList();
            Assert.InRange(p2.Calls - p.Calls, 1, resent.Count);
        }
    }

    private sealed record LedgerRow(long Id, string? Feature, string Role, bool Cached);

    /// <summary>The LLM store's ledger rows of labeling calls (those booked to a feature), read straight from SQLite.</summary>
    private static List<LedgerRow> Calls(LlmClient client)
    {
        using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={client.Store.Path};Mode=ReadOnly");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT id, feature, role, cached FROM calls WHERE feature IS NOT NULL ORDER BY id";
        using var rd = cmd.ExecuteReader();
        var rows = new List<LedgerRow>();
        while (rd.Read()) rows.Add(new LedgerRow(rd.GetInt64(0), rd.IsDBNull(1) ? null : rd.GetString(1), rd.GetString(2), rd.GetInt64(3) != 0));
        return rows;
    }

    [Fact]
    public async Task MalformedExplainerAnswer_FailedStateWithTheRawText()
    {
        const string garbled = "I think this feature is about animals, maybe.";
        var script = ToyStandInScript.Build().Replace("\"rules\": [", $$"""
            "rules": [ { "name": "garbled", "when": { "path": "chat", "last_user": "^The \\d+ excerpts:" }, "reply": { "content": "{{garbled}}" } },
            """);
        await using var server = await LlmTestKit.Server(script);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 60 }, storePath: Db()));
        var (job, _) = await Run(client, Request("llm-garbled.db", "0-5", [ScoreMethods.Simulation], []));
        using (job)
        {
            var records = job.Store.ReadRecords();
            Assert.Equal(6, records.Count);
            Assert.Contains(records, r => r.Stats?.Count > 0);   // the loop below checks something
            foreach (var r in records.Where(r => r.Stats?.Count > 0))
            {
                Assert.False(r.IsLabeled);
                var f = Assert.Single(r.Failures, x => x.Stage == StageNames.Explain);
                Assert.Equal((FailureKinds.MalformedOutput, garbled), (f.Kind, f.Raw));
                Assert.Contains("Explanation:", f.Reason);
                Assert.Empty(r.Scores);
            }
        }
    }

    [Fact]
    public async Task SamplesAndBestOf_DelphiStyle()
    {
        // delphi layout answers "[EXPLANATION]: ..."; three samples with seeds 0, 1, 2, best kept by simulation on the explain set
        var script = ToyStandInScript.Build().Replace("\"rules\": [", """
            "rules": [ { "name": "explain-delphi", "when": { "path": "chat", "last_user": "^\\d+ examples:" }, "reply": { "content": "notes\n[EXPLANATION]: animal words" } },
            """);
        await using var server = await LlmTestKit.Server(script);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 60 }, storePath: Db()));
        var s = new LlmLabelingSettings(new LlmExplainerOptions(ExplainerStyles.Delphi, Samples: 3, BestOf: true));
        var (job, _) = await Run(client, Request("llm-delphi.db", "0-3", [ScoreMethods.Simulation], []), s);
        using (job)
        {
            var explains = server.Requests.Where(q => q.Rule == "explain-delphi").ToList();
            Assert.Equal(12, explains.Count);   // 4 features x 3 samples
            Assert.Equal([0L, 1L, 2L], explains.Select(q => (long)q.Body!["seed"]!).Distinct().Order());
            foreach (var r in job.Store.ReadRecords().Where(r => r.IsLabeled))
                Assert.Equal(("animal words", "explainer-delphi@1"), (Assert.Single(r.Explanations).Text, r.Explanations[0].PromptVersion));
        }
    }
}

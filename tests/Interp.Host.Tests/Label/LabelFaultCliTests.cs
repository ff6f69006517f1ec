// `interp label --explainer llm` against a failing LLM (the stand-in over loopback HTTP), as a person runs it:
// - 30 % of the labeling calls fail (503 on every attempt, chosen by a hash of the body): the endpoint's circuit breaker
//   opens, the run's calls wait it out, and exactly the features whose own calls exhausted their attempts end failed with
//   the HTTP reason — none because the circuit was open; a re-run against a healthy stand-in calls the LLM for exactly
//   those features (no answered call is sent again) and completes them.
// - every labeling call fails: the run still ends (the endpoint counts as down after circuit_breaker.down_after_opens
//   openings in a row), every feature failed with its reason, few requests sent; a healthy re-run completes them all.
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Llm.Store;
using Interp.Agent.StandIn;
using Interp.Host.Commands;
using Interp.Index.Records;
using Xunit.Abstractions;

namespace Interp.Host.Tests.Label;

[Collection(LabelCliCollection.Name)]
public sealed class LabelFaultCliTests(LabelCliFixture fx, ITestOutputHelper output)
{
    private const int Features = 30, Attempts = 3;

    /// <summary>A config whose endpoint retries 3 times in all (10–20 ms apart) and whose breaker is given by <paramref name="breaker"/>.</summary>
    private string Config(StandInServer server, string name, object breaker)
    {
        var path = fx.File(name + ".appsettings.json");
        var roles = new[] { "explainer", "simulator", "judge" }.ToDictionary(r => r, _ => new { endpoint = "stand", model = "stand-in" });
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            Llm = new
            {
                store_path = fx.File(name + ".llm.db"),
                endpoints = new
                {
                    stand = new
                    {
                        base_url = server.BaseUrl.ToString(), max_concurrency = 8, request_timeout_s = 60,
                        retry = new { max_attempts = Attempts, base_delay_ms = 10, max_delay_ms = 20 },
                        circuit_breaker = breaker,
                    },
                },
                roles,
            },
        }));
        return path;
    }

    private string[] Args(string outPath, string config) =>
        ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--cache", fx.CachePath, "--features", $"0-{Features - 1}",
         "--explainer", "llm", "--config", config, "--scorers", "simulation", "--concurrency", "4", "--resamples", "200",
         "--out", outPath, "--report", "none", "--rows", "5"];

    /// <summary>The toy stand-in with a first rule that answers 503 to <paramref name="fraction"/> of the explain and simulate
    /// calls (all of them when null).</summary>
    private static string Failing(double? fraction)
    {
        string f = fraction is double x ? $"\"fraction\": {x.ToString(System.Globalization.CultureInfo.InvariantCulture)}, " : "";
        return ToyStandInScript.Build().Replace("\"rules\": [", $$"""
            "rules": [ { "name": "failing", "when": { "path": "chat", "any_message": "excerpts:|^Explanation of the feature" }, {{f}}"fault": { "kind": "status", "status": 503 } },
            """);
    }

    private static bool IsLabeling(StandInRequest q) => q.Rule is { } r && (r == "failing" || r.StartsWith("explain", StringComparison.Ordinal) || r.StartsWith("simulate", StringComparison.Ordinal));

    private static List<string> Normalized(IEnumerable<FeatureRecord> records) => records.Select(r => FeatureRecordJson.Serialize(r with
    {
        Provenance = r.Provenance with { CreatedAt = default, RunId = "" },
        Failures = r.Failures.Select(f => f with { At = default }).ToList(),
    })).ToList();

    private static int FeatureOf(string? key) =>
        key is not null && key.StartsWith("feature/", StringComparison.Ordinal) ? int.Parse(key["feature/".Length..]) : throw new InvalidDataException($"ledger row without a feature: {key}");

    private static HashSet<int> Retryable(IEnumerable<FeatureRecord> records) =>
        records.Where(r => r.Failures.Any(f => FailureKinds.IsRetryable(f.Kind))).Select(r => r.Feature).ToHashSet();

    [Fact]
    public async Task LabelLlm_30PercentFailingEndpoint_BreakerWaitedOut_OnlyOwnFailuresFail_HealthyRerunCompletesExactlyThose()
    {
        string healthy = ToyStandInScript.Build();
        await using var server = await StandInServer.StartAsync(StandInScript.Parse(Failing(0.3)));
        // The breaker opens readily (30 % of ≥ 10 attempts within 10 minutes), and the endpoint would count as down only
        // after 1,000 openings in a row. Each opening after the first needs a failed half-open probe, i.e. a failed attempt,
        // and the run makes at most 30 features × 3 calls × 3 attempts = 270: so "down" cannot happen here, whatever the
        // scheduling, and which features fail depends only on which bodies the stand-in fails.
        string config = Config(server, "fault30", new { failure_ratio = 0.3, minimum_throughput = 10, sampling_s = 600, break_s = 0.5, down_after_opens = 1000 });
        string run = fx.File("llm-fault30.db");
        string runId = Interp.Agent.Labeling.LlmPath.LlmComponents.LedgerRunId(run);

        var sw = Stopwatch.StartNew();
        var (code, stdout, err) = LabelCliFixture.Run(Args(run, config));
        output.WriteLine($"first run: {sw.Elapsed.TotalSeconds:F1} s, {server.Requests.Count(IsLabeling)} labeling requests");
        output.WriteLine(stdout);

        Assert.True(code == 0, err);
        var opened = Regex.Match(stdout, @"llm endpoint 'stand': circuit opened (\d+) times \(last failure: HTTP 503\); calls waited it out (\d+) times");
        Assert.True(opened.Success, $"no circuit summary (the breaker never opened?):\n{stdout}");
        Assert.True(int.Parse(opened.Groups[2].Value) >= 1, stdout);
        Assert.DoesNotContain("down at the end", stdout);
        var firstRequests = server.Requests.Where(IsLabeling).ToList();
        var failingBodies = firstRequests.Where(q => q.Rule == "failing").GroupBy(q => q.Body!.ToJsonString()).ToList();
        Assert.NotEmpty(failingBodies);
        // every failing call was sent exactly its 3 attempts: the open circuit delayed attempts but never cut a call short
        Assert.All(failingBodies, g => Assert.Equal(Attempts, g.Count()));

        IReadOnlyList<FeatureRecord> before;
        using (var s = RunStore.OpenRead(run)) before = s.ReadRecords();
        Assert.Equal(Features, before.Count);
        var failed = Retryable(before);
        var failures = before.SelectMany(r => r.Failures).Where(f => FailureKinds.IsRetryable(f.Kind)).ToList();
        Assert.All(failures, f => Assert.Equal(FailureKinds.HttpStatus, f.Kind));   // never circuit_open
        Assert.All(failures, f => Assert.Contains("503", f.Reason));
        Assert.InRange(failed.Count, 1, Features - 1);
        Assert.Contains($"failed: {failed.Count} features with a stage a re-run of the same command retries", stdout);
        foreach (int f in failed.Order().Take(20))
            Assert.True(Regex.IsMatch(stdout, $@"(?m)^\s+{f}\s+\S+: {FailureKinds.HttpStatus}: .*503"), $"feature {f} not listed as failed with its reason:\n{stdout}");
        int firstCalls;
        HashSet<string> answered = firstRequests.Where(q => q.Rule != "failing").Select(q => q.Body!.ToJsonString()).ToHashSet();
        using (var llm = LlmStore.Open(fx.File("fault30.llm.db")))
        {
            var calls = llm.Calls(runId);
            firstCalls = calls.Count;
            var bad = calls.Where(c => c.Outcome != "ok").ToList();
            // one failed ledger row per failing body, each after its 3 attempts, and they are exactly the failed features
            Assert.Equal(failingBodies.Count, bad.Count);
            Assert.All(bad, c => Assert.Equal(("http_status", 503, Attempts), (c.Outcome, c.Status, c.Attempts)));
            Assert.Equal(failed, bad.Select(c => FeatureOf(c.FeatureKey)).ToHashSet());
        }

        // healthy re-run: LLM calls only for the failed features, none of the answered requests again, all completed
        server.Script = StandInScript.Parse(healthy);
        server.ResetRecording();
        (code, stdout, err) = LabelCliFixture.Run(Args(run, config));
        Assert.True(code == 0, err);
        Assert.Contains($"{Features - failed.Count} already done before this run", err);
        Assert.DoesNotContain("a re-run of the same command retries", stdout);
        var second = server.Requests.Where(IsLabeling).Select(q => q.Body!.ToJsonString()).ToList();
        Assert.DoesNotContain(second, answered.Contains);
        Assert.All(failingBodies, g => Assert.Contains(g.Key, second));   // each failed call asked again
        using (var llm = LlmStore.Open(fx.File("fault30.llm.db")))
        {
            var again = llm.Calls(runId).Skip(firstCalls).ToList();
            Assert.All(again, c => Assert.Equal("ok", c.Outcome));
            Assert.Equal(failed, again.Select(c => FeatureOf(c.FeatureKey)).ToHashSet());
        }
        IReadOnlyList<FeatureRecord> after;
        using (var s = RunStore.OpenRead(run)) after = s.ReadRecords();
        Assert.Equal(Features, after.Count);
        Assert.Empty(Retryable(after));
        Assert.Equal(Normalized(before.Where(r => !failed.Contains(r.Feature))), Normalized(after.Where(r => !failed.Contains(r.Feature))));
    }

    [Fact]
    public async Task LabelLlm_DeadEndpoint_RunEndsWithEveryFeatureFailedWithTheReason_FewRequests_HealthyRerunCompletesAll()
    {
        await using var server = await StandInServer.StartAsync(StandInScript.Parse(Failing(null)));
        // the default thresholds (half of ≥ 10 attempts; down after 3 openings in a row), with a 1 s break
        string config = Config(server, "fault100", new { break_s = 1.0 });
        string run = fx.File("llm-fault100.db");
        var sw = Stopwatch.StartNew();

        var (code, stdout, err) = LabelCliFixture.Run(Args(run, config));
        output.WriteLine($"dead endpoint run: {sw.Elapsed.TotalSeconds:F1} s, {server.Requests.Count(IsLabeling)} labeling requests");
        output.WriteLine(stdout);

        Assert.True(code == 0, err);
        Assert.True(sw.Elapsed < TimeSpan.FromMinutes(3), $"the run against a dead endpoint took {sw.Elapsed}");
        Assert.Matches(@"llm endpoint 'stand': circuit opened \d+ times \(last failure: HTTP 503\).*; down at the end \(\d+ openings in a row", stdout);
        IReadOnlyList<FeatureRecord> before;
        using (var s = RunStore.OpenRead(run)) before = s.ReadRecords();
        Assert.Equal(Features, before.Count);
        Assert.Equal(Features, Retryable(before).Count);
        var failures = before.SelectMany(r => r.Failures).Where(f => FailureKinds.IsRetryable(f.Kind)).ToList();
        Assert.All(failures, f => Assert.True(f.Kind is FailureKinds.HttpStatus or FailureKinds.CircuitOpen, $"{f.Kind}: {f.Reason}"));
        Assert.All(failures.Where(f => f.Kind == FailureKinds.HttpStatus), f => Assert.Contains("503", f.Reason));
        var refused = failures.Where(f => f.Kind == FailureKinds.CircuitOpen).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, f => Assert.Contains("endpoint 'stand' is down", f.Reason));
        Assert.All(refused, f => Assert.Contains("last failure: HTTP 503", f.Reason));
        Assert.Contains($"failed: {Features} features with a stage a re-run of the same command retries", stdout);
        // the breaker spared the endpoint: fewer requests than features, where without it every feature's explain call
        // would have been sent 3 times
        int sent = server.Requests.Count(IsLabeling);
        Assert.True(sent < Features, $"{sent} labeling requests reached the dead endpoint");

        server.Script = StandInScript.Parse(ToyStandInScript.Build());
        (code, stdout, err) = LabelCliFixture.Run(Args(run, config));
        Assert.True(code == 0, err);
        Assert.DoesNotContain("already done before this run", err);
        Assert.DoesNotContain("a re-run of the same command retries", stdout);
        using (var s = RunStore.OpenRead(run))
        {
            Assert.Equal(Features, s.ReadRecords().Count);
            Assert.Empty(Retryable(s.ReadRecords()));
        }
    }
}

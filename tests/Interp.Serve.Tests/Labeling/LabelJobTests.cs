// The label and rescore job kinds and the labels eval suite on a real in-process server: an offline label job reports its
// progress, ends succeeded and its labels and scores are what the feature pages then show (read back from the run store);
// a rescore scores the same explanations with another scorer without explaining again; an LLM whose calls fail ends the
// job failed with the reason, and a retry redoes only the failed stages, never re-sending an answered call; a cancel stops
// the job, and a retry resumes it; bad arguments are 400s naming the argument; the tools session sees the cache a
// cache_build job built after start and the labels a label job indexed after it asked; the labels suite stores runs with versions and drift.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Store;
using Interp.Agent.StandIn;

namespace Interp.Serve.Tests.Labeling;

[Collection(ServeCollection.Name)]
public sealed class LabelJobTests(LabelingServerFixture f) : IClassFixture<LabelingServerFixture>
{
    private ServerFixture S => f.S;
    private const string Sae = ServeTestEnv.Sae;

    private async Task<JsonElement> RunJobAsync(string kind, object args, string expect = "succeeded")
    {
        var j = await S.SubmitAsync(kind, args);
        var done = await S.WaitJobAsync(j.GetProperty("id").GetInt64(), TimeSpan.FromMinutes(5));
        Assert.True(done.GetProperty("state").GetString() == expect, done.ToString());
        return done;
    }

    private static JsonElement Result(JsonElement job) => JsonDocument.Parse(job.GetProperty("result").GetString()!).RootElement.Clone();

    private async Task<JsonElement> PageAsync(int feature) =>
        JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/saes/{Sae}/features/{feature}?neighbours=0")).RootElement.Clone();

    [Fact]
    public async Task Tools_SeeTheCacheACacheBuildJobBuiltAfterStart()
    {
        Assert.Contains("no latent cache attached", f.ToolBeforeCache.GetRawText());
        var after = await f.ToolAsync("feature_info", new { sae = Sae, feature = 0 });
        Assert.DoesNotContain("no latent cache attached", after.GetRawText());
        Assert.Contains("latent cache", after.GetRawText());                      // density read from the attached cache
        var saes = await f.ToolAsync("list_saes", new { });
        Assert.Contains("\"has_cache\":true", saes.GetRawText().Replace(" ", ""));
    }

    [Fact]
    public async Task Tools_SeeTheLabelsALabelJobWroteAfterStart()
    {
        static string[] Labels(JsonElement info) =>
            info.EnumerateObject().First(p => p.Name.Equals("labels", StringComparison.OrdinalIgnoreCase)).Value.EnumerateArray()
                .Select(l => l.EnumerateObject().First(p => p.Name.Equals("text", StringComparison.OrdinalIgnoreCase)).Value.GetString()!).ToArray();
        const int feature = 300;
        Assert.Empty(Labels(await f.ToolAsync("feature_info", new { sae = Sae, feature })));   // asked (and remembered) before the job
        var done = await RunJobAsync("label", new { sae = Sae, model = "toy-small", features = $"{feature}-{feature + 3}", scorers = new[] { "simulation" }, resamples = 200 });
        Interp.Index.Records.FeatureRecord? record;
        using (var store = RunStore.OpenRead(Result(done).GetProperty("run").GetString()!)) record = store.ReadRecord(feature);
        Assert.NotNull(record);
        Assert.True(record!.IsLabeled, "the toy SAE's feature 300 should get an offline label");
        Assert.Equal([record.Explanations[0].Text], Labels(await f.ToolAsync("feature_info", new { sae = Sae, feature })));
    }

    [Fact]
    public async Task LabelOffline_ProgressAndFeaturePagesShowTheRunsLabels_ThenRescoreWithDetection()
    {
        var done = await RunJobAsync("label", new { sae = Sae, model = "toy-small", features = "64-79", scorers = new[] { "simulation" }, resamples = 200 });
        var result = Result(done);
        Assert.Equal(16, result.GetProperty("records").GetInt32());
        Assert.Equal(16, result.GetProperty("indexed").GetProperty("records").GetInt32());
        var logs = await S.Reader.GetStringAsync($"/api/jobs/{done.GetProperty("id").GetInt64()}/logs");
        Assert.Contains("16/16", logs);                                           // the run's progress line reached the job's log
        string run = result.GetProperty("run").GetString()!;
        IReadOnlyList<Interp.Index.Records.FeatureRecord> records;
        using (var store = RunStore.OpenRead(run)) records = store.ReadRecords();
        Assert.Equal(Enumerable.Range(64, 16), records.Select(r => r.Feature));
        foreach (var r in records.Where(r => r.IsLabeled))
        {
            var page = await PageAsync(r.Feature);
            Assert.Equal(r.Explanations[0].Text, page.GetProperty("labels")[0].GetProperty("text").GetString());
            Assert.Equal(r.Scores.Select(s => s.Method).Order(), page.GetProperty("scores").EnumerateArray().Select(s => s.GetProperty("method").GetString()!).Order());
            if (r.Scores.FirstOrDefault(s => s.Method == "simulation") is { } sim)   // (a score can be a failure state instead)
                Assert.Equal(sim.Value, page.GetProperty("scores").EnumerateArray().First(s => s.GetProperty("method").GetString() == "simulation").GetProperty("value").GetDouble(), 9);
        }
        Assert.Contains(records, r => r.IsLabeled && r.Scores.Any(s => s.Method == "simulation"));

        // rescore: the same explanations, scored by detection only; the explain stage is copied, not run again
        var re = Result(await RunJobAsync("rescore", new { run, scorers = "detection", index = true }));
        using var src = RunStore.OpenRead(run);
        using var dst = RunStore.OpenRead(re.GetProperty("run").GetString()!);
        Assert.Equal(src.RunId, dst.DerivedFrom);
        var explained = src.AllStages().Where(kv => kv.Value[StageNames.Explain].Succeeded).Select(kv => kv.Key).ToList();
        Assert.Equal(explained, dst.Manifest.Features);
        var srcRows = src.AllStages();
        foreach (var (feature, rows) in dst.AllStages())
        {
            Assert.Equal(srcRows[feature][StageNames.Explain].Result, rows[StageNames.Explain].Result);
            Assert.Equal(srcRows[feature][StageNames.Explain].Attempts, rows[StageNames.Explain].Attempts);   // not run again
            Assert.Equal(0, rows[StageNames.Explain].Usage.Calls);
            Assert.DoesNotContain(rows.Keys, k => k == StageNames.Score("simulation"));
        }
        var reRecords = dst.ReadRecords();
        Assert.Equal(explained.Count, reRecords.Count);
        foreach (var r in reRecords)
        {
            Assert.Equal(src.ReadRecord(r.Feature)!.Explanations.Select(e => e.Text), r.Explanations.Select(e => e.Text));
            Assert.All(r.Scores, s => Assert.Equal("detection", s.Method));
        }
        var scored = reRecords.First(r => r.Scores.Count > 0);
        var after = await PageAsync(scored.Feature);
        Assert.Equal(["detection"], after.GetProperty("scores").EnumerateArray().Select(s => s.GetProperty("method").GetString()!).ToArray());
    }

    [Fact]
    public async Task BadArguments_400NamingTheArgument()
    {
        async Task Bad(string kind, object args, string text, HttpStatusCode code = HttpStatusCode.BadRequest)
        {
            var r = await S.Admin.PostAsJsonAsync("/api/jobs", new { kind, args });
            string body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == code, body);
            var p = JsonDocument.Parse(body).RootElement;
            Assert.Contains(text, p.GetProperty("title").GetString() + " " + (p.TryGetProperty("detail", out var d) ? d.GetString() : ""));
        }
        await Bad("label", new { sae = Sae, scorers = new[] { "simulaton" } }, "unknown scorer 'simulaton'");
        await Bad("label", new { sae = Sae, features = "1000-1100" }, "outside this SAE's features 0..1023");
        await Bad("label", new { sae = Sae, explainer = "gpt" }, "explainer must be 'offline' or 'llm'");
        await Bad("label", new { sae = Sae, model = "other" }, "belongs to model 'toy-small'");
        await Bad("label", new { sae = Sae, featuers = "1" }, "did you mean 'features'");
        await Bad("label", new { sae = "nope" }, "no SAE named 'nope'", HttpStatusCode.NotFound);
        await Bad("rescore", new { run = Path.Combine(S.Dir, "absent.db"), scorers = "simulation" }, "no file at", HttpStatusCode.NotFound);
    }

    private static bool IsLabeling(StandInRequest q) => q.Rule is { } r && (r.StartsWith("explain", StringComparison.Ordinal) || r.StartsWith("simulate", StringComparison.Ordinal) || r == "flaky");

    [Fact]
    public async Task LabelLlm_FailingCalls_JobFailedWithReason_RetryRedoesOnlyThose_NoAnsweredCallSentAgain()
    {
        string flaky = f.Healthy.Replace("\"rules\": [", """
            "rules": [ { "name": "flaky", "when": { "path": "chat", "any_message": "excerpts:|^Explanation of the feature" }, "fraction": 0.4, "fault": { "kind": "status", "status": 503 } },
            """);
        Assert.NotEqual(flaky, f.Healthy);
        f.Llm.Script = StandInScript.Parse(flaky);
        f.Llm.ResetRecording();
        try
        {
            var failed = await RunJobAsync("label", new { sae = Sae, features = "100-115", explainer = "llm", scorers = new[] { "simulation" }, resamples = 200, concurrency = 4 }, expect: "failed");
            string error = failed.GetProperty("error").GetString()!;
            Assert.Matches(@"\d+ of 16 features did not finish \((http_status|circuit_open)", error);
            Assert.Contains("/retry", error);
            var first = f.Llm.Requests.Where(IsLabeling).ToList();
            Assert.Contains(first, q => q.Rule == "flaky");
            var answered = first.Where(q => q.Rule != "flaky").Select(q => q.Body!.ToJsonString()).ToHashSet();
            Assert.NotEmpty(answered);

            f.Llm.Script = StandInScript.Parse(f.Healthy);
            f.Llm.ResetRecording();
            long id = failed.GetProperty("id").GetInt64();
            var retry = await S.Admin.PostAsync($"/api/jobs/{id}/retry", null);
            Assert.True(retry.IsSuccessStatusCode, await retry.Content.ReadAsStringAsync());
            var done = await S.WaitJobAsync(id, TimeSpan.FromMinutes(5));
            Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
            var second = f.Llm.Requests.Where(IsLabeling).Select(q => q.Body!.ToJsonString()).ToList();
            Assert.NotEmpty(second);
            Assert.DoesNotContain(second, answered.Contains);                    // no answered call sent again
            var result = Result(done);
            using var store = RunStore.OpenRead(result.GetProperty("run").GetString()!);
            Assert.Equal(16, store.ReadRecords().Count);
            Assert.DoesNotContain(store.ReadRecords(), r => r.Failures.Any(x => FailureKinds.IsRetryable(x.Kind)));
            Assert.True(result.GetProperty("done_before").GetInt32() > 0);       // the retry found finished features
        }
        finally { f.Llm.Script = StandInScript.Parse(f.Healthy); }
    }

    [Fact]
    public async Task LabelLlm_Cancel_StopsThenRetryResumes()
    {
        f.Llm.Script = StandInScript.Parse(LabelingServerFixtureSlow());
        try
        {
            var j = await S.SubmitAsync("label", new { sae = Sae, features = "200-231", explainer = "llm", scorers = new[] { "simulation" }, resamples = 200, concurrency = 2 });
            long id = j.GetProperty("id").GetInt64();
            var until = DateTime.UtcNow.AddMinutes(3);
            while (JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/jobs/{id}")).RootElement.GetProperty("done").GetInt64() < 2)
            {
                Assert.True(DateTime.UtcNow < until, "the label job made no progress");
                await Task.Delay(100);
            }
            Assert.True((await S.Admin.PostAsync($"/api/jobs/{id}/cancel", null)).IsSuccessStatusCode);
            var cancelled = await S.WaitJobAsync(id, TimeSpan.FromMinutes(2));
            Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
            string run = Path.Combine(S.Dir, "runs", $"label-{id}.db");
            int kept, settled;
            using (var s = RunStore.OpenRead(run))
            {
                var recs = s.ReadRecords();
                kept = recs.Count;
                // features in flight at the cancel end with a 'cancelled' stage (retryable); the others are settled
                settled = recs.Count(r => !r.Failures.Any(x => FailureKinds.IsRetryable(x.Kind)));
            }
            Assert.InRange(kept, 2, 31);                                          // stopped part-way, what was done is kept
            Assert.True(settled >= 2, $"{settled} settled");

            f.Llm.Script = StandInScript.Parse(f.Healthy);
            Assert.True((await S.Admin.PostAsync($"/api/jobs/{id}/retry", null)).IsSuccessStatusCode);
            var done = await S.WaitJobAsync(id, TimeSpan.FromMinutes(5));
            Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
            Assert.Equal(settled, Result(done).GetProperty("done_before").GetInt32());   // the retry redid only the unsettled
            Assert.Contains("already settled by an earlier start", await S.Reader.GetStringAsync($"/api/jobs/{id}/logs"));
        }
        finally { f.Llm.Script = StandInScript.Parse(f.Healthy); }
    }

    private static string LabelingServerFixtureSlow() => Interp.Agent.Labeling.GroundTruth.ToyStandInScript.Build(latencyMs: 250);

    [Fact]
    public async Task LabelsSuite_TwoOfflineRuns_SameNumbers_NothingFlagged_LlmRunRecordsModelsAndPrompts()
    {
        for (int i = 0; i < 2; i++) await RunJobAsync("eval", new { suite = "toy-labels" });
        var history = JsonDocument.Parse(await S.Reader.GetStringAsync("/api/evals/toy-labels/history")).RootElement;
        Assert.Equal(2, history.GetArrayLength());
        var versions = history[1].GetProperty("versions");
        Assert.Equal("offline", versions.GetProperty("explainer").GetString());
        Assert.Equal("simulation", versions.GetProperty("scorers").GetString());
        Assert.StartsWith("none", versions.GetProperty("prompts").GetString());
        Assert.Contains("sae_fingerprint", versions.GetRawText());
        var names = history[1].GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Equal(["labeled_fraction", "simulation_mean", "simulation_real_beats_shuffled"], names.Order().ToList());
        foreach (var m in history[1].GetProperty("metrics").EnumerateArray())
            Assert.True(m.GetProperty("ci_low").GetDouble() <= m.GetProperty("value").GetDouble() && m.GetProperty("value").GetDouble() <= m.GetProperty("ci_high").GetDouble(), m.ToString());
        Assert.Equal(12, history[1].GetProperty("metrics").EnumerateArray().First(m => m.GetProperty("name").GetString() == "labeled_fraction").GetProperty("n").GetInt32());
        var drift = JsonDocument.Parse(await S.Reader.GetStringAsync("/api/evals/toy-labels/drift")).RootElement;
        var lines = drift.GetProperty("previous").EnumerateArray().ToList();
        Assert.Equal(3, lines.Count);
        foreach (var l in lines)
        {
            Assert.Equal(0, l.GetProperty("delta").GetDouble(), 12);             // offline: the same sample gives the same numbers
            Assert.False(l.GetProperty("flagged").GetBoolean());
        }

        await RunJobAsync("eval", new { suite = "toy-labels-llm" });
        var llm = JsonDocument.Parse(await S.Reader.GetStringAsync("/api/evals/toy-labels-llm/history")).RootElement[0];
        Assert.Equal("stand-in", llm.GetProperty("versions").GetProperty("llm_explainer").GetString());
        Assert.Equal("stand-in", llm.GetProperty("versions").GetProperty("llm_simulator").GetString());
        Assert.Contains("@", llm.GetProperty("versions").GetProperty("prompts").GetString());
        Assert.Contains("\\u0022explainer\\u0022:\\u0022llm\\u0022", llm.GetProperty("config").GetRawText());
    }

    [Fact]
    public void Sample_SeededDistinctSortedInRange()
    {
        var a = Interp.Serve.Evals.LabelsSuite.Sample(1024, 12, 3);
        Assert.Equal(a, Interp.Serve.Evals.LabelsSuite.Sample(1024, 12, 3));
        Assert.NotEqual(a, Interp.Serve.Evals.LabelsSuite.Sample(1024, 12, 4));
        Assert.Equal(12, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.All(a, x => Assert.InRange(x, 0, 1023));
        Assert.Equal(5, Interp.Serve.Evals.LabelsSuite.Sample(5, 12, 1).Count);
    }
}

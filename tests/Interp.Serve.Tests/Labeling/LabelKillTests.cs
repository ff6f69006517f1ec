// A label job on the LLM path in a real `interp serve` process killed with SIGKILL part-way: the restarted server takes
// it over after its lease, finishes it with every feature's record, and the stand-in LLM (in this process, so it outlives
// the killed server) receives again exactly the requests whose answers the killed process had not committed to its LLM store.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Llm.Store;
using Interp.Agent.StandIn;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Models;
using Microsoft.Data.Sqlite;

namespace Interp.Serve.Tests.Labeling;

[Collection(ServeCollection.Name)]
public sealed class LabelKillTests : IDisposable
{
    private const double LatencyMs = 100;
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-serve-label-kill-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static bool IsLabeling(StandInRequest q) => q.Rule is { } r && (r.StartsWith("explain", StringComparison.Ordinal) || r.StartsWith("simulate", StringComparison.Ordinal));

    [Fact]
    public async Task LabelLlmJob_Sigkill_TakenOver_Finishes_NoAnsweredCallSentAgain()
    {
        string ids = Path.Combine(_dir, "ids.json"), cache = Path.Combine(_dir, "toy.cache.db");
        using (var doc = JsonDocument.Parse(File.ReadAllText(ServeTestEnv.ToyIds)))
            File.WriteAllText(ids, JsonSerializer.Serialize(new[] { doc.RootElement.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetInt32()).Take(64 * 96).ToArray() }));
        string modelDir = Path.Combine(ServeTestEnv.RepoRoot, "evals/models/toy-small"), saeDir = Path.Combine(ServeTestEnv.RepoRoot, "evals/saes/toy-small-resid2-topk");
        using (var sae = Sae.Load(saeDir))
            LatentCacheBuilder.Build(cache, ModelLoader.Load(modelDir), sae, Corpus.Ids(ids, 1_000_000), CacheInputs.FromDirectories(modelDir, saeDir),
                new LatentCacheOptions(ContextLength: 64, BatchSize: 16));

        await using var llm = await StandInServer.StartAsync(StandInScript.Parse(ToyStandInScript.Build(LatencyMs)));
        string config = ServeTestEnv.WriteConfig(_dir, leaseS: 2, llmBaseUrl: llm.BaseUrl.ToString(), edit: o =>
        {
            foreach (var r in new[] { "explainer", "simulator", "judge" }) o["Llm"]!["roles"]![r] = new JsonObject { ["endpoint"] = "local", ["model"] = "stand-in" };
            o["Llm"]!["endpoints"]!["local"]!["max_concurrency"] = 8;
            o["Llm"]!["endpoints"]!["local"]!["request_timeout_s"] = 30;
        });
        long id;
        await using (var first = await ChildServer.StartAsync(config))
        {
            id = await first.SubmitAsync("label", new { sae = ServeTestEnv.Sae, features = "0-59", explainer = "llm", scorers = new[] { "simulation" }, resamples = 200, concurrency = 4 });
            await first.WaitAsync(id, j => j.GetProperty("done").GetInt64() >= 12, TimeSpan.FromMinutes(3));
            first.KillHard();
        }
        var sent = llm.Requests.Where(IsLabeling).Select(q => StandInServer.RequestDigest(q.Body)).ToHashSet();
        // The answers the killed process had committed to its LLM store (every stand-in answer's id names the request it
        // answered; SQLite's WAL keeps exactly the committed transactions). One still being read or written at the kill
        // is not among them and is legitimately asked again; a committed one must never be.
        HashSet<string> committed;
        using (var s = LlmStore.Open(Path.Combine(_dir, "llm.db"))) committed = s.ResponseBodies().Select(StandInServer.AnsweredDigest).ToHashSet();
        committed.IntersectWith(sent);
        llm.ResetRecording();
        string run = Path.Combine(_dir, "runs", $"label-{id}.db");
        int settledAtKill;
        using (var s = RunStore.OpenRead(run)) settledAtKill = s.ReadRecords().Count(r => !r.Failures.Any(x => FailureKinds.IsRetryable(x.Kind)));
        Assert.InRange(settledAtKill, 12, 59);                                     // killed part-way

        await using (var second = await ChildServer.StartAsync(config))
        {
            var done = await second.WaitAsync(id, j => j.GetProperty("state").GetString() is "succeeded" or "failed", TimeSpan.FromMinutes(5));
            Assert.True(done.GetProperty("state").GetString() == "succeeded", done + "\n" + second.Stderr);
            Assert.Equal(2, done.GetProperty("attempts").GetInt32());
            var result = JsonDocument.Parse(done.GetProperty("result").GetString()!).RootElement;
            Assert.Equal(settledAtKill, result.GetProperty("done_before").GetInt32());
            Assert.Equal(60, result.GetProperty("records").GetInt32());
        }
        var after = llm.Requests.Where(IsLabeling).Select(q => StandInServer.RequestDigest(q.Body)).ToHashSet();
        Assert.NotEmpty(committed);
        Assert.NotEmpty(after);
        Assert.Empty(after.Intersect(committed));                                  // no call with a committed answer is sent again
        Assert.Equal(sent.Except(committed).Order(), after.Intersect(sent).Order()); // the calls sent again are exactly the uncommitted ones
        using var store = RunStore.OpenRead(run);
        Assert.Equal(60, store.ReadRecords().Count);
        Assert.DoesNotContain(store.ReadRecords(), r => r.Failures.Any(x => FailureKinds.IsRetryable(x.Kind)));
    }
}

// The worker in a real `interp serve` process: a cache_build job killed with SIGKILL mid-build is taken over after its
// lease runs out by the restarted server and finishes with the contexts stored before the kill not run again, and the
// cache equal to one built without interruption; SIGTERM checkpoints the running job (back to queued) and the process
// exits within Worker.shutdown_s, and the next start resumes it.
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Models;
using Microsoft.Data.Sqlite;

namespace Interp.Serve.Tests.Jobs;

[Collection(ServeCollection.Name)]
public sealed class CrashResumeTests : IDisposable
{
    private const int Contexts = 256;
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-serve-kill-").FullName;

    /// <summary>The test server's config: each committed batch of 8 contexts is followed by a 100 ms pause
    /// (Worker.step_pause_ms), so the build takes at least 3.2 s on any machine and the kill lands part-way.</summary>
    private string Config(double leaseS) => ServeTestEnv.WriteConfig(_dir, o => o["Worker"]!["step_pause_ms"] = 100, leaseS: leaseS);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Ids()
    {
        string ids = Path.Combine(_dir, "ids.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(ServeTestEnv.ToyIds));
        var flat = doc.RootElement.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetInt32()).Take(64 * Contexts).ToArray();
        File.WriteAllText(ids, JsonSerializer.Serialize(new[] { flat }));
        return ids;
    }

    private static long StoredContexts(string cache)
    {
        using var c = new SqliteConnection($"Data Source={cache};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = 'contexts_done'";
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    [Fact]
    public async Task Sigkill_MidBuild_TakenOverAfterLease_NoContextRunTwice_SameCacheAsUninterrupted()
    {
        string config = Config(leaseS: 2);
        string ids = Ids(), cache = Path.Combine(_dir, "toy.cache.db");
        long id, before;
        await using (var first = await ChildServer.StartAsync(config))
        {
            id = await first.SubmitAsync("cache_build", new { sae = ServeTestEnv.Sae, ids, context = 64, batch = 8 });
            await first.WaitAsync(id, j => j.GetProperty("done").GetInt64() >= 48, TimeSpan.FromMinutes(2));
            first.KillHard();
            before = StoredContexts(cache);
            Assert.InRange(before, 48, Contexts - 8);            // killed mid-build
        }
        await using (var second = await ChildServer.StartAsync(config))
        {
            var done = await second.WaitAsync(id, j => j.GetProperty("state").GetString() is "succeeded" or "failed", TimeSpan.FromMinutes(3));
            Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
            Assert.Equal(2, done.GetProperty("attempts").GetInt32());
            var result = JsonDocument.Parse(done.GetProperty("result").GetString()!).RootElement;
            Assert.Equal(Contexts, result.GetProperty("contexts").GetInt64());
            Assert.Equal(Contexts - before, result.GetProperty("new_contexts").GetInt64());   // nothing stored before the kill ran again
            var runs = JsonDocument.Parse(await second.Admin.GetStringAsync($"/api/jobs/{id}/runs")).RootElement;
            Assert.Equal("lost (worker stopped answering)", runs[0].GetProperty("outcome").GetString());
            Assert.Equal("succeeded", runs[1].GetProperty("outcome").GetString());
            Assert.NotEqual(runs[0].GetProperty("owner").GetString(), runs[1].GetProperty("owner").GetString());
        }

        // the same cache built in one go
        string reference = Path.Combine(_dir, "reference.db");
        string modelDir = Path.Combine(ServeTestEnv.RepoRoot, "evals/models/toy-small"), saeDir = Path.Combine(ServeTestEnv.RepoRoot, "evals/saes/toy-small-resid2-topk");
        using (var sae = Sae.Load(saeDir))
            LatentCacheBuilder.Build(reference, ModelLoader.Load(modelDir), sae, Corpus.Ids(ids, 1000_000), CacheInputs.FromDirectories(modelDir, saeDir),
                new LatentCacheOptions(ContextLength: 64, BatchSize: 8));
        using var a = LatentCache.Open(cache);
        using var b = LatentCache.Open(reference);
        Assert.Equal(b.Info.Activations, a.Info.Activations);
        for (int f = 0; f < a.FeatureCount; f += 7)
        {
            var x = a.Feature(f);
            var y = b.Feature(f);
            Assert.Equal(y.Count, x.Count);
            Assert.Equal(y.Max, x.Max);
            Assert.Equal(y.Histogram.Counts, x.Histogram.Counts);
            Assert.Equal(y.TopExamples.Select(e => e.ContextId), x.TopExamples.Select(e => e.ContextId));
        }
    }

    [Fact]
    public async Task Sigterm_RunningJobCheckpoints_ExitsWithinBound_NextStartResumes()
    {
        string config = Config(leaseS: 30);      // a long lease: the resume must not wait for it
        string ids = Ids(), cache = Path.Combine(_dir, "toy.cache.db");
        long id, before;
        await using (var first = await ChildServer.StartAsync(config))
        {
            id = await first.SubmitAsync("cache_build", new { sae = ServeTestEnv.Sae, ids, context = 64, batch = 8 });
            await first.WaitAsync(id, j => j.GetProperty("done").GetInt64() >= 32, TimeSpan.FromMinutes(2));
            var (took, code) = first.Terminate(TimeSpan.FromSeconds(30));
            Assert.True(took < TimeSpan.FromSeconds(10 + 2), $"exit took {took}");   // Worker.shutdown_s = 10 in the test config
            Assert.Equal(0, code);
            before = StoredContexts(cache);
            Assert.InRange(before, 32, Contexts - 8);
        }
        await using (var second = await ChildServer.StartAsync(config))
        {
            var logs = await second.Admin.GetStringAsync($"/api/jobs/{id}/logs");
            Assert.Contains("interrupted by shutdown", logs);
            var done = await second.WaitAsync(id, j => j.GetProperty("state").GetString() is "succeeded" or "failed", TimeSpan.FromMinutes(3));
            Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
            var result = JsonDocument.Parse(done.GetProperty("result").GetString()!).RootElement;
            Assert.Equal(Contexts - before, result.GetProperty("new_contexts").GetInt64());
            var runs = JsonDocument.Parse(await second.Admin.GetStringAsync($"/api/jobs/{id}/runs")).RootElement;
            Assert.Equal("queued", runs[0].GetProperty("outcome").GetString());       // checkpointed, not lost
        }
    }
}

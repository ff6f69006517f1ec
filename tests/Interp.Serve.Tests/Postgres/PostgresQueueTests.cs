// The job queue and Quartz on a real PostgreSQL (Debian's, a throwaway cluster on loopback): claims under contention
// take each job once (FOR UPDATE SKIP LOCKED); two `interp serve` processes on one queue run every job exactly once and
// both take work; a worker killed with SIGKILL has its job taken over by the other; the eval suite's cron, run by Quartz
// clustered in both processes, fires on one node at a time.
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Dictionaries.Analysis;
using Interp.Index.Records;
using Interp.Serve.Jobs;
using Xunit.Abstractions;

namespace Interp.Serve.Tests.Postgres;

[Collection(ServeCollection.Name)]
public sealed class PostgresQueueTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-serve-pg-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private bool Skip()
    {
        if (PgTestDb.Server is not null) return false;
        output.WriteLine($"skipped: {PgTestDb.Variable} is not set (.ci/run starts a throwaway cluster: scripts/pg-throwaway.sh)");
        return true;
    }

    [Fact]
    public async Task Claim_EightThreadsTwoHundredJobs_EachClaimedOnce()
    {
        if (Skip()) return;
        await using var db = (await PgTestDb.CreateAsync())!;
        using var dialect = new PostgresDialect(db.ConnectionString);
        var store = new JobStore(dialect);
        var ids = Enumerable.Range(0, 200).Select(i => store.Submit("k", $"{{\"i\":{i}}}", null)).ToHashSet();
        var got = new ConcurrentBag<(long, string)>();
        // All eight start together and each holds its claim a moment before the next, as a worker running the job would,
        // so the claims really interleave on two cores (otherwise the first thread can drain the queue alone).
        using var start = new Barrier(8);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            while (store.Claim($"w{t}", TimeSpan.FromMinutes(1)) is { } l) { got.Add((l.Id, l.Owner)); Thread.Sleep(2); }
        }, TaskCreationOptions.LongRunning)));
        Assert.Equal(200, got.Count);
        Assert.True(ids.SetEquals(got.Select(g => g.Item1)));
        Assert.True(got.Select(g => g.Item2).Distinct().Count() > 1);
    }

    private string Config(PgTestDb db, string name, Action<JsonObject>? edit = null) =>
        ServeTestEnv.WriteConfig(Directory.CreateDirectory(Path.Combine(_dir, name)).FullName, o =>
        {
            o["Worker"]!["store"] = "postgres";
            o["Worker"]!["postgres_env"] = "INTERP_TEST_QUEUE_DB";
            o["Worker"]!["step_pause_ms"] = 100;     // the long job below takes ≥ 2.4 s on any machine: the kill lands part-way
            edit?.Invoke(o);
        }, leaseS: 4, cache: Path.Combine(_dir, "shared.cache.db"));

    private static Dictionary<string, string> Env(PgTestDb db) => new() { ["INTERP_TEST_QUEUE_DB"] = db.ConnectionString };

    private string Records(int n, int offset)
    {
        string saeDir = Path.Combine(ServeTestEnv.RepoRoot, "evals/saes/toy-small-resid2-topk");
        var sae = new SaeIdentity(DecoderDirections.Fingerprint(saeDir), "toy-small-resid2-topk", "blocks.2.hook_resid_post", 2, 128, 1024, "topk");
        string path = Path.Combine(_dir, $"records-{offset}.jsonl");
        File.WriteAllLines(path, Enumerable.Range(offset, n).Select(i => FeatureRecordJson.Serialize(new FeatureRecord
        {
            Sae = sae, Model = new ModelIdentity("m", "toy-small", "gpt2"), Feature = i,
            Explanations = [new Explanation($"test record {i}", "offline", null, null, null, [])],
            Provenance = new Provenance("pg-test", DateTimeOffset.Parse("2026-12-01T00:00:00Z"), "test"),
        })));
        return path;
    }

    [Fact]
    public async Task TwoServers_OneQueue_EveryJobOnce_KilledWorkersJobTakenOver()
    {
        if (Skip()) return;
        await using var db = (await PgTestDb.CreateAsync())!;
        await using var a = await ChildServer.StartAsync(Config(db, "a"), Env(db));
        await using var b = await ChildServer.StartAsync(Config(db, "b"), Env(db));
        try { await TwoServers(a, b); }
        catch { output.WriteLine($"--- server a ---\n{a.Stderr}\n--- server b ---\n{b.Stderr}"); throw; }
    }

    private async Task TwoServers(ChildServer a, ChildServer b)
    {

        // 1. sixteen jobs submitted to both servers: each runs once, and both servers take some
        var ids = new List<long>();
        for (int i = 0; i < 16; i++) ids.Add(await (i % 2 == 0 ? a : b).SubmitAsync("index", new { records = Records(4, 4 * i) }));
        foreach (var id in ids)
        {
            var j = await a.WaitAsync(id, x => x.GetProperty("state").GetString() is "succeeded" or "failed", TimeSpan.FromMinutes(3));
            Assert.True(j.GetProperty("state").GetString() == "succeeded", j.ToString());
        }
        var owners = new List<string>();
        foreach (var id in ids)
        {
            var runs = JsonDocument.Parse(await b.Admin.GetStringAsync($"/api/jobs/{id}/runs")).RootElement;
            Assert.Equal(1, runs.GetArrayLength());                                        // exactly one run per job
            Assert.Equal("succeeded", runs[0].GetProperty("outcome").GetString());
            owners.Add(runs[0].GetProperty("owner").GetString()!.Split(':')[1]);             // host:pid:suffix/slot
        }
        var byPid = owners.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"jobs per server process: {string.Join(", ", byPid.Select(kv => $"pid {kv.Key}: {kv.Value}"))}");
        Assert.Equal(new[] { a.Pid.ToString(), b.Pid.ToString() }.Order(), byPid.Keys.Order());

        // 2. a long job; kill -9 the server running it; the other takes it over after the lease and finishes it
        string ids64 = Path.Combine(_dir, "ids.json");
        using (var doc = JsonDocument.Parse(File.ReadAllText(ServeTestEnv.ToyIds)))
            File.WriteAllText(ids64, JsonSerializer.Serialize(new[] { doc.RootElement.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetInt32()).Take(64 * 192).ToArray() }));
        long job = await a.SubmitAsync("cache_build", new { sae = ServeTestEnv.Sae, ids = ids64, context = 64, batch = 8 });
        var running = await a.WaitAsync(job, x => x.GetProperty("done").GetInt64() >= 24, TimeSpan.FromMinutes(2));
        string owner = running.GetProperty("owner").GetString()!;
        var (victim, survivor) = owner.Split(':')[1] == a.Pid.ToString() ? (a, b) : (b, a);
        victim.KillHard();
        var done = await survivor.WaitAsync(job, x => x.GetProperty("state").GetString() is "succeeded" or "failed", TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
        var jr = JsonDocument.Parse(await survivor.Admin.GetStringAsync($"/api/jobs/{job}/runs")).RootElement;
        Assert.Equal(2, jr.GetArrayLength());
        Assert.Equal("lost (worker stopped answering)", jr[0].GetProperty("outcome").GetString());
        Assert.Equal(victim.Pid.ToString(), jr[0].GetProperty("owner").GetString()!.Split(':')[1]);
        Assert.Equal(survivor.Pid.ToString(), jr[1].GetProperty("owner").GetString()!.Split(':')[1]);
        var result = JsonDocument.Parse(done.GetProperty("result").GetString()!).RootElement;
        Assert.True(result.GetProperty("new_contexts").GetInt64() < result.GetProperty("contexts").GetInt64());   // resumed, not redone
        output.WriteLine($"take-over: killed pid {victim.Pid} at {running.GetProperty("done")} contexts; pid {survivor.Pid} finished with {result.GetProperty("new_contexts")} new of {result.GetProperty("contexts")}");
    }

    [Fact]
    public async Task Quartz_ClusteredOnPostgres_CronFiresOnOneNodeAtATime()
    {
        if (Skip()) return;
        await using var db = (await PgTestDb.CreateAsync())!;
        void Cron(JsonObject o) => o["Schedules"]!["suites"]![0]!["cron"] = "0/2 * * * * ?";
        await using var a = await ChildServer.StartAsync(Config(db, "qa", Cron), Env(db));
        await using var b = await ChildServer.StartAsync(Config(db, "qb", Cron), Env(db));
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(12));
        var to = DateTimeOffset.UtcNow;
        var all = JsonDocument.Parse(await a.Admin.GetStringAsync("/api/jobs?limit=1000")).RootElement.EnumerateArray()
            .Where(j => j.GetProperty("submitted_by").GetString() == "schedule:eval-toy-gt")
            .Select(j => j.GetProperty("created").GetDateTimeOffset()).Order().ToList();
        output.WriteLine($"all scheduled eval jobs: {string.Join(", ", all.Select(t => t.ToString("HH:mm:ss.fff")))}");
        var jobs = all.Where(t => t >= from && t <= to).ToList();                     // while both nodes were up
        output.WriteLine($"scheduled eval jobs: {jobs.Count} at {string.Join(", ", jobs.Select(t => t.ToString("HH:mm:ss.fff")))}");
        Assert.InRange(jobs.Count, 3, 7);                                               // one per 2-s firing over ~12 s
        for (int i = 1; i < jobs.Count; i++) Assert.True((jobs[i] - jobs[i - 1]).TotalSeconds > 1.2, "two firings of one slot");
    }
}

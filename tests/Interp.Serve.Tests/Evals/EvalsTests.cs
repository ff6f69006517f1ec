// Eval suites: the drift report's arithmetic and flag on constructed runs; `interp evals run|history|drift` as a real
// child process (two ground-truth runs of the toy model: identical inputs give identical metrics, so nothing is
// flagged); a suite's cron on the SQLite Quartz store queuing eval jobs in a running server.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Serve.Evals;

namespace Interp.Serve.Tests.Evals;

[Collection(ServeCollection.Name)]
public sealed class EvalsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-evals-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static EvalRun Run(long id, double acc, int n) =>
        new(id, "s", id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "succeeded", "{}", new Dictionary<string, string>(), [EvalSuiteJob.Proportion("acc", acc, n)], null);

    [Fact]
    public void Drift_LargeChangeFlagged_SmallNot_AgainstPreviousAndFirst()
    {
        var rep = DriftReport.Build("s", [Run(1, 0.90, 400), Run(2, 0.89, 400), Run(3, 0.70, 400)]);
        Assert.Equal(3, rep.Runs);
        var prev = Assert.Single(rep.Previous);
        Assert.Equal(0.70 - 0.89, prev.Delta, 12);
        double se = Math.Sqrt(Math.Pow(EvalSuiteJob.Proportion("a", 0.70, 400).Se, 2) + Math.Pow(EvalSuiteJob.Proportion("a", 0.89, 400).Se, 2));
        Assert.Equal(prev.Delta - 1.96 * se, prev.DeltaLow, 12);
        Assert.True(prev.Flagged);
        Assert.True(Assert.Single(rep.First).Flagged);
        var calm = DriftReport.Build("s", [Run(1, 0.90, 400), Run(2, 0.89, 400)]);
        Assert.False(Assert.Single(calm.Previous).Flagged);                 // −0.01 with n = 400 is inside the noise
        Assert.Empty(DriftReport.Build("s", [Run(1, 0.9, 10)]).Previous);
    }

    [Fact]
    public void Proportion_WilsonInterval_KnownValue()
    {
        var m = EvalSuiteJob.Proportion("a", 0.5, 100);                  // Wilson 95 %: 0.5 ± 0.0962 (centre stays 0.5)
        Assert.Equal(0.4038, m.CiLow, 3);
        Assert.Equal(0.5962, m.CiHigh, 3);
        Assert.Equal(0.05, m.Se, 12);
    }

    private (int Code, string Out, string Err) Interp(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [ServeTestEnv.InterpDll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "interp evals hung");
        return (p.ExitCode, o.Result, e.Result);
    }

    [Fact]
    public void Cli_RunTwice_HistoryAndDrift()
    {
        ServeTestEnv.Init();
        string config = ServeTestEnv.WriteConfig(_dir);
        for (int i = 0; i < 2; i++)
        {
            var r = Interp("evals", "run", "--suite", "toy-gt", "--config", config);
            Assert.True(r.Code == 0, r.Err + r.Out);
            Assert.Contains("ioi_accuracy", r.Out);
        }
        var h = Interp("evals", "history", "--suite", "toy-gt", "--config", config, "--json");
        var runs = JsonDocument.Parse(h.Out).RootElement;
        Assert.Equal(2, runs.GetArrayLength());
        Assert.Contains("sae_fingerprint", runs[0].GetProperty("versions").GetRawText());
        Assert.Contains("\\u0022kind\\u0022:\\u0022ground_truth\\u0022", runs[0].GetProperty("config").GetRawText());
        var d = JsonDocument.Parse(Interp("evals", "drift", "--suite", "toy-gt", "--config", config, "--json").Out).RootElement;
        var lines = d.GetProperty("previous").EnumerateArray().ToList();
        Assert.Equal(4, lines.Count);                                         // ioi, induction, concept F1 mean, concepts matched
        foreach (var l in lines)
        {
            Assert.Equal(0, l.GetProperty("delta").GetDouble(), 12);         // same model, same prompts: the same numbers
            Assert.False(l.GetProperty("flagged").GetBoolean());
        }
        var bad = Interp("evals", "run", "--suite", "nope", "--config", config);
        Assert.Equal(2, bad.Code);
        Assert.Contains("no eval suite named 'nope'", bad.Err);
    }

    private sealed class CronServer : ServerFixture
    {
        public override string Config() => ServeTestEnv.WriteConfig(Dir, o => o["Schedules"]!["suites"]![0]!["cron"] = "0/2 * * * * ?");
    }

    [Fact]
    public async Task Cron_SqliteQuartzStore_QueuesEvalJobs()
    {
        var s = new CronServer();
        await s.InitializeAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(7));
            var jobs = JsonDocument.Parse(await s.Reader.GetStringAsync("/api/jobs?limit=100")).RootElement.EnumerateArray()
                .Where(j => j.GetProperty("submitted_by").GetString() == "schedule:eval-toy-gt").ToList();
            Assert.InRange(jobs.Count, 2, 5);
            Assert.True(File.Exists(Path.Combine(s.Dir, "quartz.db")));
        }
        finally { await s.DisposeAsync(); }
    }
}

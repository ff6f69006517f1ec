// The queue's rules on a real SQLite file, with a controllable clock: oldest first, a lease that runs out is taken
// over, a worker that lost its lease can write nothing, cancel and retry, steps recorded once.
using Interp.Serve.Jobs;

namespace Interp.Serve.Tests.Jobs;

public sealed class JobStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-jobs-").FullName;
    private readonly ManualClock _clock = new();
    private JobStore Store() => new(new SqliteDialect(Path.Combine(_dir, "jobs.db")), _clock);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void Claim_OldestQueuedFirst_ThenNothing()
    {
        var s = Store();
        long a = s.Submit("k", "{}", "t"), b = s.Submit("k", "{}", "t");
        Assert.Equal(a, s.Claim("w1", TimeSpan.FromSeconds(10))!.Id);
        Assert.Equal(b, s.Claim("w2", TimeSpan.FromSeconds(10))!.Id);
        Assert.Null(s.Claim("w3", TimeSpan.FromSeconds(10)));
        Assert.Equal(JobStates.Running, s.Get(a)!.State);
    }

    [Fact]
    public void Claim_ExpiredLease_TakenOverAndOldOwnerFenced()
    {
        var s = Store();
        long id = s.Submit("k", "{}", null);
        var first = s.Claim("w1", TimeSpan.FromSeconds(5))!;
        s.CompleteStep(first, "a", "1");
        Assert.Null(s.Claim("w2", TimeSpan.FromSeconds(5)));          // lease still held
        _clock.Advance(TimeSpan.FromSeconds(6));
        var second = s.Claim("w2", TimeSpan.FromSeconds(5))!;
        Assert.Equal(id, second.Id);
        Assert.Equal(2, second.Attempts);
        Assert.Throws<JobLeaseLostException>(() => s.CompleteStep(first, "b", "2"));
        Assert.Throws<JobLeaseLostException>(() => s.Progress(first, 1, 2, "x"));
        Assert.False(s.Renew(first, TimeSpan.FromSeconds(5)).Held);
        Assert.False(s.Finish(first, JobStates.Succeeded));
        Assert.Equal("1", s.StepResult(id, "a"));                      // the first owner's finished step stays done
        Assert.Null(s.StepResult(id, "b"));
        Assert.True(s.Finish(second, JobStates.Succeeded, result: "{}"));
        var runs = s.Runs(id);
        Assert.Equal(["lost (worker stopped answering)", "succeeded"], runs.Select(r => r.Outcome));
    }

    [Fact]
    public void Cancel_QueuedAtOnce_RunningAtNextRenew_RetryRequeues()
    {
        var s = Store();
        long q = s.Submit("k", "{}", null), r = s.Submit("k", "{}", null);
        var lease = s.Claim("w", TimeSpan.FromSeconds(10))!;
        Assert.Equal(q, lease.Id);
        Assert.Equal(JobStates.Cancelled, s.Cancel(r)!.State);
        Assert.Equal(JobStates.Running, s.Cancel(q)!.State);
        Assert.True(s.Renew(lease, TimeSpan.FromSeconds(10)).CancelRequested);
        s.Finish(lease, JobStates.Cancelled);
        Assert.Equal(JobStates.Queued, s.Retry(q)!.State);
        Assert.Equal(q, s.Claim("w", TimeSpan.FromSeconds(10))!.Id);
        Assert.Equal(JobStates.Cancelled, s.Get(r)!.State);
    }

    [Fact]
    public void Finish_Queued_IsResumable()
    {
        var s = Store();
        long id = s.Submit("k", "{}", null);
        var l = s.Claim("w", TimeSpan.FromSeconds(10))!;
        s.CompleteStep(l, "s1", "\"x\"");
        Assert.True(s.Finish(l, JobStates.Queued, message: "interrupted"));
        var again = s.Claim("w2", TimeSpan.FromSeconds(10))!;
        Assert.Equal(id, again.Id);
        Assert.Equal("\"x\"", s.StepResult(id, "s1"));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
        public void Advance(TimeSpan t) => _now += t;
        public override DateTimeOffset GetUtcNow() => _now;
    }
}

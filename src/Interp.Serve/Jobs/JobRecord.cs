// A job as the queue stores it and the API shows it. States: queued → running → succeeded | failed | cancelled; a running
// job interrupted by shutdown goes back to queued (its finished steps kept); one whose process died is taken over when its
// lease runs out. Plain data.
namespace Interp.Serve.Jobs;

public static class JobStates
{
    public const string Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed", Cancelled = "cancelled";
    public static readonly IReadOnlyList<string> All = [Queued, Running, Succeeded, Failed, Cancelled];
    public static bool IsFinal(string s) => s is Succeeded or Failed or Cancelled;
}

/// <param name="Done">units done (features, contexts, steps) of <paramref name="Total"/>; Total -1 = not known yet</param>
/// <param name="Attempts">times the job was started (1 for a job that ran once; more after restarts and take-overs)</param>
public sealed record JobRecord(
    long Id, string Kind, string Args, string State, long Done, long Total, string? Message, string? Error, string? Result,
    int Attempts, string? Owner, DateTimeOffset Created, DateTimeOffset? Started, DateTimeOffset? Finished,
    DateTimeOffset? LeaseUntil, bool CancelRequested, string? SubmittedBy);

public sealed record JobLogLine(long Seq, long JobId, DateTimeOffset At, string Level, string Text);

/// <summary>One start of a job by one worker, and how it ended (null while it runs or when its process died).</summary>
public sealed record JobRun(long JobId, int Attempt, string Owner, DateTimeOffset Started, DateTimeOffset? Ended, string? Outcome);

/// <summary>A claimed job: what the worker needs to run it.</summary>
/// <param name="Attempts">starts so far, all time (run numbers)</param>
/// <param name="RetryBase">starts before the last manual retry (Attempts - RetryBase counts toward Worker.max_attempts)</param>
public sealed record JobLease(long Id, string Kind, string Args, int Attempts, string Owner, int RetryBase = 0)
{
    public int StartsSinceRetry => Attempts - RetryBase;
}

/// <summary>The worker no longer holds the job (its lease ran out and another worker took it, or it was cancelled):
/// it must stop without writing anything else.</summary>
public sealed class JobLeaseLostException(long jobId) : Exception($"job {jobId}: this worker no longer holds its lease");

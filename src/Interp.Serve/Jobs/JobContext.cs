// What a running job sees: its arguments, a token cancelled on shutdown or cancel, progress and logs, and the step
// ledger (StepAsync runs a unit of work once per job, across restarts and workers, and returns its stored result after).
using System.Text.Json;

namespace Interp.Serve.Jobs;

public sealed class JobContext(JobStore store, JobLease lease, JsonElement args, IServiceProvider services, CancellationToken token, int stepPauseMs = 0)
{
    public long JobId => lease.Id;
    public int Attempt => lease.Attempts;
    public JsonElement Args { get; } = args;
    public IServiceProvider Services { get; } = services;
    public CancellationToken Token { get; } = token;

    /// <summary>Records progress; with Worker.step_pause_ms set, then waits that long (or until the job is stopped).</summary>
    public void Progress(long done, long total, string? message = null)
    {
        store.Progress(lease, done, total, message);
        if (stepPauseMs > 0) Token.WaitHandle.WaitOne(stepPauseMs);
    }

    public void Log(string text, string level = "info") => store.Log(lease.Id, level, text);

    /// <summary>Whether <paramref name="step"/> was done by an earlier start of this job.</summary>
    public bool IsDone(string step) => store.StepResult(lease.Id, step) is not null;

    /// <summary>Runs <paramref name="work"/> unless this job already did <paramref name="step"/>; either way returns its result.</summary>
    public async Task<T> StepAsync<T>(string step, Func<CancellationToken, Task<T>> work)
    {
        if (store.StepResult(lease.Id, step) is { } stored) return JsonSerializer.Deserialize<T>(stored, ServeJson.Options)!;
        Token.ThrowIfCancellationRequested();
        var value = await work(Token).ConfigureAwait(false);
        store.CompleteStep(lease, step, JsonSerializer.Serialize(value, ServeJson.Options));
        return value;
    }

    public string? Arg(string name) => Args.ValueKind == JsonValueKind.Object && Args.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public int IntArg(string name, int fallback) =>
        Args.ValueKind == JsonValueKind.Object && Args.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : fallback;
}

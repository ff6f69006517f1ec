// The worker: a BackgroundService with Worker.concurrency loops, each claiming a job from the queue, running its handler
// with a lease renewed every third of lease_s, and ending it. A cancel asked through the API, the loss of the lease and
// host shutdown all cancel the handler's token; shutdown puts the job back to queued (its steps kept), so it resumes on
// the next start. A job whose process died keeps `running` until its lease runs out, then any worker takes it over.
using System.Text.Json;
using Interp.Errors;
using Interp.Serve.Settings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interp.Serve.Jobs;

public sealed class JobWorker(JobStore store, JobHandlers handlers, JobSignal signal, WorkerOptions options, IServiceProvider services,
    ILogger<JobWorker> log) : BackgroundService
{
    /// <summary>This process's worker id: host, process id and a random suffix (a restarted process is a new owner).</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    private TimeSpan Lease => TimeSpan.FromSeconds(options.LeaseS);

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(slot => Task.Run(() => LoopAsync($"{InstanceId}/{slot}", stopping), CancellationToken.None)));

    private async Task LoopAsync(string owner, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            JobLease? lease;
            try { lease = store.Claim(owner, Lease); }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                log.LogWarning("job queue ({Backend}) did not answer a claim: {Error}", store.Backend, e.Message);
                await Delay(TimeSpan.FromSeconds(options.PollS), stopping);
                continue;
            }
            if (lease is null) { await signal.WaitAsync(TimeSpan.FromSeconds(options.PollS), stopping); continue; }
            await RunAsync(lease, stopping);
        }
    }

    /// <summary>Claims job <paramref name="id"/> (queued, or running with a lapsed lease) and runs it here, now (the CLI's
    /// `interp evals run`); false when another worker holds it or it is finished.</summary>
    public async Task<bool> RunNowAsync(long id, CancellationToken ct)
    {
        if (store.ClaimById(id, InstanceId + "/cli", Lease) is not { } lease) return false;
        await RunAsync(lease, ct);
        return true;
    }

    private async Task RunAsync(JobLease lease, CancellationToken stopping)
    {
        if (lease.StartsSinceRetry > options.MaxAttempts)
        {
            store.Finish(lease, JobStates.Failed, $"started {lease.StartsSinceRetry - 1} times without ending (crashes or lost leases); retry it once the cause is fixed");
            return;
        }
        if (!handlers.TryGet(lease.Kind, out var handler))
        {
            store.Finish(lease, JobStates.Failed, $"unknown job kind '{lease.Kind}'; this server runs {string.Join(", ", handlers.Kinds)}");
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        bool cancelRequested = false, leaseLost = false;
        // The lease is renewed from a thread of its own: a handler's CPU-bound work can starve the thread pool, and a late
        // renewal would hand the job to another worker while this one still runs it.
        var heartbeat = new Thread(() =>
        {
            while (!cts.Token.WaitHandle.WaitOne(Lease / 3))
            {
                try
                {
                    var (held, cancel) = store.Renew(lease, Lease);
                    if (!held) { leaseLost = true; cts.Cancel(); }
                    else if (cancel) { cancelRequested = true; cts.Cancel(); }
                }
                catch (Exception e) { log.LogWarning("job {JobId}: lease renewal failed: {Error}", lease.Id, e.Message); }
            }
        }) { IsBackground = true, Name = $"lease {lease.Id}" };
        heartbeat.Start();

        log.LogInformation("job {JobId} ({Kind}) started, attempt {Attempt}, by {Owner}", lease.Id, lease.Kind, lease.Attempts, lease.Owner);
        store.Log(lease.Id, "info", lease.Attempts == 1 ? $"started by {lease.Owner}" : $"resumed by {lease.Owner} (start {lease.Attempts})");
        try
        {
            using var args = JsonDocument.Parse(lease.Args);
            var ctx = new JobContext(store, lease, args.RootElement.Clone(), services, cts.Token, options.StepPauseMs);
            string? result = await Task.Run(() => handler.RunAsync(ctx), CancellationToken.None);
            if (cts.IsCancellationRequested && !leaseLost && cancelRequested) { store.Finish(lease, JobStates.Cancelled, message: "cancelled"); return; }
            store.Log(lease.Id, "info", "succeeded");
            store.Finish(lease, JobStates.Succeeded, result: result, message: "done");
        }
        catch (Exception e) when (e is JobLeaseLostException || leaseLost)
        {
            log.LogWarning("job {JobId}: lease lost; another worker holds it now", lease.Id);
        }
        catch (Exception e) when (cts.IsCancellationRequested && e is OperationCanceledException or AggregateException)
        {
            if (cancelRequested)
            {
                store.Log(lease.Id, "info", "cancelled");
                store.Finish(lease, JobStates.Cancelled, message: "cancelled");
            }
            else
            {
                store.Log(lease.Id, "info", "interrupted by shutdown; finished steps are kept and the job resumes on the next start");
                store.Finish(lease, JobStates.Queued, message: "interrupted by shutdown; will resume");
                log.LogInformation("job {JobId} checkpointed for shutdown", lease.Id);
            }
        }
        catch (Exception e)
        {
            var report = ErrorClassifier.Classify(e);
            string reason = report.IsInternal ? $"internal error: {e.GetType().Name}: {e.Message}" : report.Text;
            if (report.IsInternal) log.LogError(e, "job {JobId} ({Kind}) failed with an internal error", lease.Id, lease.Kind);
            store.Log(lease.Id, "error", reason);
            store.Finish(lease, JobStates.Failed, reason, message: "failed");
        }
        finally
        {
            cts.Cancel();
            heartbeat.Join();
        }
    }

    private static async Task Delay(TimeSpan t, CancellationToken ct)
    {
        try { await Task.Delay(t, ct); } catch (OperationCanceledException) { }
    }
}

/// <summary>Wakes an idle worker loop when a job is submitted in this process (others find it at their next poll).</summary>
public sealed class JobSignal
{
    private readonly SemaphoreSlim _s = new(0, int.MaxValue);
    public void Pulse() => _s.Release();

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try { await _s.WaitAsync(timeout, ct); } catch (OperationCanceledException) { }
    }
}

/// <summary>The registered handlers by kind.</summary>
public sealed class JobHandlers(IEnumerable<IJobHandler> handlers)
{
    private readonly Dictionary<string, IJobHandler> _byKind = handlers.ToDictionary(h => h.Kind);
    public IEnumerable<string> Kinds => _byKind.Keys.Order();
    public IEnumerable<IJobHandler> All => _byKind.Values.OrderBy(h => h.Kind);
    public bool TryGet(string kind, out IJobHandler handler) => _byKind.TryGetValue(kind, out handler!);
}

/// <summary>What the API calls to queue work: checks the kind and arguments first (a bad job is a 400, never a failed job).</summary>
public sealed class JobQueue(JobStore store, JobHandlers handlers, JobSignal signal)
{
    public JobStore Store => store;

    public JobRecord Submit(string kind, JsonElement args, string? by)
    {
        if (!handlers.TryGet(kind, out var h))
            throw new InterpException($"unknown job kind '{kind}'", "kind", $"use one of {string.Join(", ", handlers.Kinds)}");
        if (args.ValueKind != JsonValueKind.Object) throw new InterpException("job arguments must be a JSON object", "args", "send {\"kind\": ..., \"args\": {...}}");
        h.Validate(args);
        long id = store.Submit(kind, args.GetRawText(), by);
        signal.Pulse();
        return store.Get(id)!;
    }
}

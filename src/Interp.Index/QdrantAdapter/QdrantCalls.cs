// Every Qdrant call goes through here: idempotent calls (reads, upserts with deterministic ids, deletes, payload index
// creation) are retried by a Polly pipeline on transient gRPC statuses; other calls run once. What still fails becomes a
// FeatureIndexException naming the server, the collection and what to do.
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Interp.Index.QdrantAdapter;

internal sealed class QdrantCalls
{
    private readonly ResiliencePipeline _retry;
    private readonly QdrantIndexOptions _o;
    private readonly ILogger _log;

    public QdrantCalls(QdrantIndexOptions o, ILogger log)
    {
        _o = o; _log = log;
        var b = new ResiliencePipelineBuilder();
        if (o.MaxRetries > 0)
            b.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => IsTransient(e.StatusCode)),
                MaxRetryAttempts = o.MaxRetries,
                Delay = TimeSpan.FromMilliseconds(o.RetryDelayMs),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = a =>
                {
                    _log.LogWarning("Qdrant at {Url}: {Status} on attempt {Attempt}; retrying in {Delay}", _o.Url,
                        (a.Outcome.Exception as RpcException)?.StatusCode, a.AttemptNumber + 1, a.RetryDelay);
                    return default;
                },
            });
        _retry = b.Build();
    }

    public static bool IsTransient(StatusCode c) => c is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        or StatusCode.ResourceExhausted or StatusCode.Aborted;

    /// <summary>Runs an idempotent call with retries.</summary>
    public async Task<T> Idempotent<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try { return await _retry.ExecuteAsync(async t => await call(t), ct); }
        catch (RpcException e) { throw Explain(what, e, retried: true); }
    }

    public async Task Idempotent(string what, Func<CancellationToken, Task> call, CancellationToken ct) =>
        await Idempotent<bool>(what, async t => { await call(t); return true; }, ct);

    /// <summary>Runs a call that must not be repeated blindly, once.</summary>
    public async Task<T> Once<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try { return await call(ct); }
        catch (RpcException e) { throw Explain(what, e, retried: false); }
    }

    public FeatureIndexException Explain(string what, RpcException e, bool retried)
    {
        string where = $"Qdrant at {_o.Url} (collection '{_o.Collection}')";
        string detail = string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : $"{e.StatusCode}: {e.Status.Detail}";
        string attempts = retried && _o.MaxRetries > 0 && IsTransient(e.StatusCode) ? $" after {_o.MaxRetries + 1} attempts" : "";
        string fix = e.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
                "start the server (docker run -p 6333:6333 -p 6334:6334 qdrant/qdrant) or fix Index:Qdrant:Url (the gRPC port, 6334)",
            StatusCode.Unauthenticated or StatusCode.PermissionDenied =>
                $"put the API key in the environment variable {_o.ApiKeyEnv ?? "named by Index:Qdrant:ApiKeyEnv"}",
            StatusCode.ResourceExhausted => "the server is overloaded or out of space; retry later or lower Index:UpsertBatch",
            StatusCode.Unimplemented => "the server does not know this call: run a Qdrant 1.19–1.21 server (Qdrant.Client 1.20 speaks to servers at most one minor version apart)",
            _ => "see the server's message",
        };
        return new FeatureIndexException($"{what} failed at {where}{attempts}: {detail}; {fix}.", e);
    }
}

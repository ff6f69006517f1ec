// The one Polly pipeline per endpoint, outermost first: concurrency limiter → retry (backoff + jitter, Retry-After on
// 429/503, never other 4xx) → circuit breaker → per-attempt timeout. Nothing else in the process retries LLM calls
// (the OpenAI SDK's retry policy is set to 0 attempts in LlmClient).
using System.Net;
using System.Threading.RateLimiting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Wire;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Interp.Agent.Llm.Resilience;

/// <summary>Attempts and retry delays of one request, filled in by the pipeline (tests and the ledger read it).</summary>
public sealed class AttemptTrace
{
    public int Attempts;
    public List<TimeSpan> Delays { get; } = new();
    /// <summary>Why the last response was not retried although retryable (e.g. Retry-After above the cap), or null.</summary>
    public string? GaveUpReason;
}

internal static class EndpointPipeline
{
    public static readonly ResiliencePropertyKey<AttemptTrace> TraceKey = new("interp.llm.trace");

    public static ResiliencePipeline<HttpResponseMessage> Build(
        string endpoint, LlmEndpointOptions o, Func<double> random, TimeProvider time, ILogger log)
    {
        var schedule = new RetrySchedule(o.Retry, random);
        var b = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = $"llm:{endpoint}", TimeProvider = time };
        b.AddConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = o.MaxConcurrency, QueueLimit = int.MaxValue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        if (o.Retry.MaxAttempts > 1)
            b.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = o.Retry.MaxAttempts - 1,
                ShouldHandle = args => ShouldRetry(args.Outcome, args.Context, o.Retry, time),
                DelayGenerator = args =>
                {
                    var ra = args.Outcome.Result is { } r ? RetrySchedule.RetryAfter(r, time.GetUtcNow()) : null;
                    return ValueTask.FromResult<TimeSpan?>(ra ?? schedule.Backoff(args.AttemptNumber));
                },
                OnRetry = args =>
                {
                    args.Context.Properties.GetValue(TraceKey, null!)?.Delays.Add(args.RetryDelay);
                    log.LogWarning("LLM endpoint {Endpoint}: attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms",
                        endpoint, args.AttemptNumber + 1, Describe(args.Outcome), args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        b.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = o.CircuitBreaker.FailureRatio,
            MinimumThroughput = o.CircuitBreaker.MinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(o.CircuitBreaker.SamplingS),
            BreakDuration = TimeSpan.FromSeconds(o.CircuitBreaker.BreakS),
            ShouldHandle = args => ValueTask.FromResult(IsServerFault(args.Outcome)),
            OnOpened = args =>
            {
                log.LogError("LLM endpoint {Endpoint}: circuit opened for {BreakS} s after repeated failures", endpoint, args.BreakDuration.TotalSeconds);
                return ValueTask.CompletedTask;
            },
        });
        b.AddTimeout(TimeSpan.FromSeconds(o.RequestTimeoutS));
        return b.Build();
    }

    /// <summary>Retry transport faults, timeouts, 408/429/500/502/503/504; never other 4xx, an exhausted quota, or a Retry-After above the cap.</summary>
    private static async ValueTask<bool> ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext ctx, LlmRetryOptions o, TimeProvider time)
    {
        if (ctx.CancellationToken.IsCancellationRequested) return false;
        if (outcome.Exception is { } e) return IsTransportFault(e);
        var r = outcome.Result!;
        if (!IsRetryableStatus(r.StatusCode)) return false;
        var trace = ctx.Properties.GetValue(TraceKey, null!);
        if (r.StatusCode == HttpStatusCode.TooManyRequests && OpenAiWire.IsQuotaExhausted(await r.Content.ReadAsStringAsync(ctx.CancellationToken)))
        {
            if (trace is not null) trace.GaveUpReason = "quota exhausted (insufficient_quota): retrying cannot help";
            return false;
        }
        if (RetrySchedule.RetryAfter(r, time.GetUtcNow()) is { } ra && ra.TotalSeconds > o.MaxRetryAfterS)
        {
            if (trace is not null) trace.GaveUpReason = $"Retry-After {ra.TotalSeconds:F0} s exceeds max_retry_after_s {o.MaxRetryAfterS}";
            return false;
        }
        return true;
    }

    internal static bool IsRetryableStatus(HttpStatusCode s) =>
        s is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static bool IsTransportFault(Exception e) => e is HttpRequestException or TimeoutRejectedException or IOException;

    private static bool IsServerFault(Outcome<HttpResponseMessage> o) =>
        o.Exception is { } e ? IsTransportFault(e) : (int)o.Result!.StatusCode >= 500;

    private static string Describe(Outcome<HttpResponseMessage> o) =>
        o.Exception is { } e ? e.GetType().Name + ": " + e.Message : $"HTTP {(int)o.Result!.StatusCode}";
}

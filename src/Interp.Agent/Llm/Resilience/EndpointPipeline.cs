// The one Polly pipeline per endpoint, outermost first: concurrency limiter → retry (backoff + jitter, Retry-After on
// 429/503, never other 4xx) → circuit breaker → per-attempt timeout. Nothing else in the process retries LLM calls
// (the OpenAI SDK's retry policy is set to 0 attempts in LlmClient). Retries count attempts that reached the endpoint
// (AttemptTrace.Attempts): a call that waits out an open circuit (LlmCallContext.WaitOutOpenCircuit) is retried after
// the break without using up an attempt, until the endpoint is down (CircuitHealth).
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
    /// <summary>Set by the caller: wait out an open circuit instead of failing (LlmCallContext.WaitOutOpenCircuit).</summary>
    public bool WaitOutOpenCircuit;
    /// <summary>Times this call waited for an open circuit.</summary>
    public int CircuitWaits;
}

internal static class EndpointPipeline
{
    public static readonly ResiliencePropertyKey<AttemptTrace> TraceKey = new("interp.llm.trace");

    public static ResiliencePipeline<HttpResponseMessage> Build(
        string endpoint, LlmEndpointOptions o, Func<double> random, TimeProvider time, ILogger log, CircuitHealth health)
    {
        var schedule = new RetrySchedule(o.Retry, random);
        var b = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = $"llm:{endpoint}", TimeProvider = time };
        b.AddConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = o.MaxConcurrency, QueueLimit = int.MaxValue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // Always present (also with max_attempts 1), since waiting out an open circuit is a retry too; the attempts that
        // reached the endpoint are counted in the trace, so the bound on Polly's own count is only a backstop.
        b.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = args => ShouldRetry(args.Outcome, args.Context, o.Retry, time, health),
            DelayGenerator = args =>
            {
                if (args.Outcome.Exception is BrokenCircuitException bce)
                    return ValueTask.FromResult<TimeSpan?>(health.WaitFor(bce.RetryAfter));
                var ra = args.Outcome.Result is { } r ? RetrySchedule.RetryAfter(r, time.GetUtcNow()) : null;
                int sent = args.Context.Properties.GetValue(TraceKey, null!)?.Attempts ?? args.AttemptNumber + 1;
                return ValueTask.FromResult<TimeSpan?>(ra ?? schedule.Backoff(Math.Max(0, sent - 1)));
            },
            OnRetry = args =>
            {
                var trace = args.Context.Properties.GetValue(TraceKey, null!);
                if (args.Outcome.Exception is BrokenCircuitException)
                {
                    if (trace is not null) trace.CircuitWaits++;
                    health.OnWait(args.RetryDelay);
                    log.LogDebug("LLM endpoint {Endpoint}: circuit open; waiting {DelayMs} ms", endpoint, args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                }
                trace?.Delays.Add(args.RetryDelay);
                log.LogWarning("LLM endpoint {Endpoint}: attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms",
                    endpoint, trace?.Attempts ?? args.AttemptNumber + 1, Describe(args.Outcome), args.RetryDelay.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
        });
        b.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = o.CircuitBreaker.FailureRatio,
            MinimumThroughput = o.CircuitBreaker.MinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(o.CircuitBreaker.SamplingS),
            BreakDuration = TimeSpan.FromSeconds(o.CircuitBreaker.BreakS),
            ShouldHandle = args =>
            {
                bool fault = IsServerFault(args.Outcome);
                if (fault) health.OnFailure(Describe(args.Outcome));
                return ValueTask.FromResult(fault);
            },
            OnOpened = args =>
            {
                health.OnOpened();
                log.LogError("LLM endpoint {Endpoint}: circuit opened for {BreakS} s after repeated failures ({Streak} in a row)",
                    endpoint, args.BreakDuration.TotalSeconds, health.OpenStreak);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                health.OnClosed();
                log.LogInformation("LLM endpoint {Endpoint}: circuit closed", endpoint);
                return ValueTask.CompletedTask;
            },
        });
        b.AddTimeout(TimeSpan.FromSeconds(o.RequestTimeoutS));
        return b.Build();
    }

    /// <summary>A refusal by the open circuit: retried (after the break) only for a call that waits out open circuits, and
    /// only while the endpoint is not down. Otherwise: retry transport faults, timeouts, 408/429/500/502/503/504 while
    /// attempts that reached the endpoint are left; never other 4xx, an exhausted quota, or a Retry-After above the cap.</summary>
    private static async ValueTask<bool> ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext ctx, LlmRetryOptions o, TimeProvider time,
        CircuitHealth health)
    {
        if (ctx.CancellationToken.IsCancellationRequested) return false;
        var trace = ctx.Properties.GetValue(TraceKey, null!);
        if (outcome.Exception is BrokenCircuitException) return trace is { WaitOutOpenCircuit: true } && !health.IsDown;
        bool attemptsLeft = (trace?.Attempts ?? o.MaxAttempts) < o.MaxAttempts;
        if (outcome.Exception is { } e) return attemptsLeft && IsTransportFault(e);
        var r = outcome.Result!;
        if (!IsRetryableStatus(r.StatusCode)) return false;
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
        return attemptsLeft;
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

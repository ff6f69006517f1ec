// Who a call is for (run, feature), what budget it draws on and how it uses the response cache; and the ambient
// scope that carries that context into the HTTP handlers, also for calls SK makes on its own (function calling).
using System.Collections.Concurrent;
using Interp.Agent.Llm.Outcomes;

namespace Interp.Agent.Llm.Accounting;

/// <summary>Use: read and write the cache. Off (--no-cache): neither. Refresh (--refresh): ask again, overwrite.</summary>
public enum LlmCacheMode { Use, Off, Refresh }

public sealed record LlmCallContext(string RunId)
{
    /// <summary>The feature (or other unit of work) the call belongs to, for per-feature usage; free text.</summary>
    public string? FeatureKey { get; init; }

    public LlmBudget? Budget { get; init; }

    public LlmCacheMode Cache { get; init; } = LlmCacheMode.Use;

    /// <summary>When the endpoint's circuit is open, wait until it lets calls through again instead of failing `circuit_open`
    /// (attempts the open circuit refused are not counted against the retries); still fail at once once the endpoint is down
    /// (circuit_breaker.down_after_opens). For batch work such as labeling runs, where an open circuit is a state of the
    /// client, not evidence about the item.</summary>
    public bool WaitOutOpenCircuit { get; init; }

    /// <summary>Calls made without a context are accounted to this run id.</summary>
    public static readonly LlmCallContext Adhoc = new("adhoc");
}

/// <summary>One HTTP exchange as the role handler saw it (after the pipeline's retries). The body is kept as read
/// (<see cref="Response"/>, UTF-8); <see cref="Body"/> is its text, decoded when asked for.</summary>
public sealed record LlmExchange(
    LlmRole Role, string Path, int? Status, ResponseBody? Response, LlmFailure? Failure, LlmUsage Usage,
    int Attempts, IReadOnlyList<TimeSpan> RetryDelays, TimeSpan Elapsed)
{
    public string? Body => Response?.Text;
}

/// <summary>
/// The ambient call context (AsyncLocal). LlmClient opens one per call; code driving a Kernel directly opens one with
/// LlmClient.BeginScope so SK's own requests are budgeted and accounted to the right run and feature.
/// </summary>
public sealed class LlmCallScope : IDisposable
{
    private static readonly AsyncLocal<LlmCallScope?> CurrentScope = new();
    private readonly LlmCallScope? _previous;
    private readonly ConcurrentQueue<LlmExchange> _exchanges = new();

    private LlmCallScope(LlmCallContext context, LlmCallScope? previous) { Context = context; _previous = previous; }

    public static LlmCallScope? Current => CurrentScope.Value;

    public static LlmCallScope Begin(LlmCallContext context)
    {
        var s = new LlmCallScope(context, CurrentScope.Value);
        CurrentScope.Value = s;
        return s;
    }

    public LlmCallContext Context { get; }

    /// <summary>The exchanges made inside this scope, in completion order.</summary>
    public IReadOnlyList<LlmExchange> Exchanges => _exchanges.ToArray();

    public LlmExchange? Last => _exchanges.LastOrDefault();

    internal void Add(LlmExchange e) => _exchanges.Enqueue(e);

    public void Dispose() => CurrentScope.Value = _previous;
}

public sealed class LlmBudgetExceededException(string message) : Exception(message);

public sealed class LlmMalformedResponseException(string message, string body) : Exception(message)
{
    public string Body { get; } = body;
}

public sealed class LlmStreamTruncatedException(string message) : IOException(message);

// What one endpoint's circuit breaker has seen, for the calls that wait out an open circuit and for reports: how often it
// opened, how many times in a row without a successful call in between (every half-open probe failed), and the last
// failure it counted. The endpoint is "down" once that streak reaches circuit_breaker.down_after_opens; then waiting
// callers stop waiting and fail circuit_open with the last real failure in the reason. A successful probe closes the
// circuit and ends the streak. Fed by the breaker's callbacks in EndpointPipeline; thread-safe.
namespace Interp.Agent.Llm.Resilience;

public sealed class CircuitHealth(string endpoint, int downAfterOpens, TimeSpan breakDuration)
{
    private readonly Lock _gate = new();
    private int _opened, _streak, _waits;
    private long _waitedTicks;
    private string? _lastFailure;

    public string Endpoint { get; } = endpoint;
    public int DownAfterOpens { get; } = downAfterOpens;
    public TimeSpan BreakDuration { get; } = breakDuration;

    /// <summary>Times the circuit opened since the client was made.</summary>
    public int Opened { get { lock (_gate) return _opened; } }

    /// <summary>Openings since the circuit last closed (a probe succeeded).</summary>
    public int OpenStreak { get { lock (_gate) return _streak; } }

    public bool IsDown { get { lock (_gate) return _streak >= DownAfterOpens; } }

    /// <summary>The last failure the breaker counted (e.g. "HTTP 503"), or null.</summary>
    public string? LastFailure { get { lock (_gate) return _lastFailure; } }

    /// <summary>How often calls waited for the circuit, and how long in all (summed over calls).</summary>
    public int Waits => Volatile.Read(ref _waits);
    public TimeSpan Waited => TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks));

    internal void OnOpened() { lock (_gate) { _opened++; _streak++; } }

    internal void OnClosed() { lock (_gate) _streak = 0; }

    internal void OnFailure(string what) { lock (_gate) _lastFailure = what; }

    internal void OnWait(TimeSpan delay)
    {
        Interlocked.Increment(ref _waits);
        Interlocked.Add(ref _waitedTicks, delay.Ticks);
    }

    /// <summary>How long a call refused by the circuit waits before it tries again: what the breaker says is left of the
    /// break (at least 50 ms, so waiters do not spin at its end), else (half-open: a probe is in flight) a tenth of the
    /// break, 50 ms to 1 s.</summary>
    internal TimeSpan WaitFor(TimeSpan? retryAfter) =>
        retryAfter is { } ra && ra > TimeSpan.Zero ? (ra < MinWait ? MinWait : ra)
            : TimeSpan.FromSeconds(Math.Clamp(BreakDuration.TotalSeconds / 10, MinWait.TotalSeconds, 1));

    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(50);

    /// <summary>The reason a refused call fails with: why the circuit is open, and whether the endpoint counts as down.</summary>
    public string Describe(bool waited)
    {
        lock (_gate)
        {
            string last = _lastFailure is null ? "" : $"; last failure: {_lastFailure}";
            return _streak >= DownAfterOpens
                ? $"endpoint '{Endpoint}' is down: its circuit opened {_streak} times in a row with no successful call in between" +
                  $"{last}; not sent, a later run retries"
                : $"endpoint '{Endpoint}': circuit open after repeated failures{last}; not sent" +
                  (waited ? "" : " (this call does not wait out an open circuit)");
        }
    }
}

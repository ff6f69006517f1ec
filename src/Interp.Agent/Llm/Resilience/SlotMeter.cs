// How busy an endpoint's call slots were: attempts on the wire now, attempts so far, and the summed wall time they held
// a slot (send → body read; the pipeline's limiter is outside, so queueing is not counted). Benchmarks divide the busy
// time by the run's wall time to get the mean number of busy slots, and by the attempts to get the wire time per call.
using System.Diagnostics;

namespace Interp.Agent.Llm.Resilience;

/// <summary>A snapshot: attempts started, attempts on the wire now, slot-seconds held by finished attempts.</summary>
public readonly record struct SlotUse(string Endpoint, long Attempts, int InFlight, double BusySeconds);

internal sealed class SlotMeter
{
    private long _attempts, _busyTicks;
    private int _inFlight;

    public long Enter()
    {
        Interlocked.Increment(ref _attempts);
        Interlocked.Increment(ref _inFlight);
        return Stopwatch.GetTimestamp();
    }

    public void Exit(long startedAt)
    {
        Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - startedAt);
        Interlocked.Decrement(ref _inFlight);
    }

    public SlotUse Read(string endpoint) => new(endpoint, Interlocked.Read(ref _attempts), Volatile.Read(ref _inFlight),
        (double)Interlocked.Read(ref _busyTicks) / Stopwatch.Frequency);
}

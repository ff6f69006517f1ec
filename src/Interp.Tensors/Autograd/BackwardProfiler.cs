// Opt-in timing of backward nodes by op name (INTERP_PROFILE_BACKWARD=1 or BackwardProfiler.Enabled),
// for finding which op's gradient dominates a backward pass. Off by default: one branch per node.
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Interp.Tensors;

public static class BackwardProfiler
{
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("INTERP_PROFILE_BACKWARD") == "1";
    private static readonly ConcurrentDictionary<string, (long ticks, int calls)> Totals = new();

    internal static void Add(string op, long ticks) =>
        Totals.AddOrUpdate(op, (ticks, 1), (_, v) => (v.ticks + ticks, v.calls + 1));

    /// <summary>Milliseconds and call counts per op since the last Reset, largest first.</summary>
    public static IReadOnlyList<(string op, double ms, int calls)> Report() =>
        Totals.Select(kv => (kv.Key, kv.Value.ticks * 1000.0 / Stopwatch.Frequency, kv.Value.calls)).OrderByDescending(r => r.Item2).ToList();

    public static void Reset() => Totals.Clear();
}

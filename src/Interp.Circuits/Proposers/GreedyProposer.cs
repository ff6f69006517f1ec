// The algorithmic circuit proposer (offline, no LLM): rank the universe's nodes by |attribution|, grow the circuit
// along that ranking until mean-ablation faithfulness reaches the target (one node at a time for small universes,
// doubling then bisecting for large ones), then prune greedily: drop each member, weakest first, whenever the
// circuit stays at or above the target without it. Every faithfulness number is a real ablation run.
namespace Interp.Circuits;

public sealed record ProposerOptions
{
    public double TargetFaithfulness { get; init; } = 0.8;
    public AttributionMethod Rank { get; init; } = AttributionMethod.AtP;
    public int IgSteps { get; init; } = 10;
    /// <summary>The largest circuit tried while growing.</summary>
    public int MaxNodes { get; init; } = 64;
    /// <summary>At most this many members are tried for removal while pruning.</summary>
    public int MaxPruneTries { get; init; } = 64;
    /// <summary>Universes up to this size grow one node at a time; larger ones double, then bisect.</summary>
    public int LinearUpTo { get; init; } = 64;

    public void Validate()
    {
        if (!(TargetFaithfulness > 0 && TargetFaithfulness <= 1.5)) throw new ArgumentException($"target faithfulness must be in (0, 1.5] (got {TargetFaithfulness}).");
        if (MaxNodes < 1) throw new ArgumentException($"max nodes must be at least 1 (got {MaxNodes}).");
        if (IgSteps < 1 || IgSteps > 1000) throw new ArgumentException($"ig steps must be in 1..1000 (got {IgSteps}).");
    }
}

/// <summary>One step of the search: "grow" (the top k by attribution) or "prune" (a member dropped, or kept because
/// dropping it fell below the target).</summary>
public sealed record ProposalStep(string Action, string? Node, int Size, double? Faithfulness, bool Accepted);

/// <param name="TargetReached">False when no circuit of at most MaxNodes nodes reached the target; Test is then the best found.</param>
public sealed record Proposal(AttributionResult Attribution, CircuitTest Test, bool TargetReached, double Target, IReadOnlyList<ProposalStep> Trace, int AblationRuns, double Seconds);

internal static class GreedyProposer
{
    public static (Circuit circuit, bool reached, List<ProposalStep> trace) Search(
        IReadOnlyList<CircuitNode> ranked, string universe, Func<IReadOnlyCollection<CircuitNode>, double?> faithfulness, ProposerOptions o)
    {
        var trace = new List<ProposalStep>();
        int cap = Math.Min(o.MaxNodes, ranked.Count);
        var memo = new Dictionary<int, double?>();
        double? F(int k)
        {
            if (memo.TryGetValue(k, out var v)) return v;
            v = faithfulness(ranked.Take(k).ToArray());
            memo[k] = v;
            trace.Add(new ProposalStep("grow", null, k, v, v >= o.TargetFaithfulness));
            return v;
        }

        int found = -1;
        if (ranked.Count <= o.LinearUpTo)
        {
            for (int k = 1; k <= cap && found < 0; k++) if (F(k) >= o.TargetFaithfulness) found = k;
        }
        else
        {
            int lo = 0, hi = -1;
            for (int k = 1; ; k = Math.Min(cap, k * 2))
            {
                if (F(k) >= o.TargetFaithfulness) { hi = k; break; }
                lo = k;
                if (k == cap) break;
            }
            if (hi > 0)
            {
                while (hi - lo > 1) { int mid = (lo + hi) / 2; if (F(mid) >= o.TargetFaithfulness) hi = mid; else lo = mid; }
                found = hi;
            }
        }
        if (found < 0)
        {
            int best = memo.Where(kv => kv.Value is not null).OrderByDescending(kv => kv.Value).Select(kv => kv.Key).DefaultIfEmpty(cap).First();
            return (Circuit.Of(universe, ranked.Take(best)), false, trace);
        }

        var members = ranked.Take(found).ToList();
        int tries = 0;
        for (int i = members.Count - 1; i >= 0 && tries < o.MaxPruneTries && members.Count > 1; i--, tries++)
        {
            var without = members.Where((_, j) => j != i).ToArray();
            var f = faithfulness(without);
            bool drop = f >= o.TargetFaithfulness;
            trace.Add(new ProposalStep("prune", members[i].Id, drop ? without.Length : members.Count, f, drop));
            if (drop) members.RemoveAt(i);
        }
        return (Circuit.Of(universe, members), true, trace);
    }
}

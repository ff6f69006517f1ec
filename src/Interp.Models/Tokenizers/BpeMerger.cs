// The BPE merge loop: repeatedly merge the adjacent symbol pair with the lowest merge rank (leftmost on ties).
// MergeQueue (priority queue over a linked list, O(n log n)) is what runs; MergeNaive is the plain reference the tests compare it with.
namespace Interp.Models.Tokenizers;

/// <summary>A merge rule's rank (lower merges first) and the id of the merged token.</summary>
internal readonly record struct MergeRule(int Rank, int NewId);

internal static class BpeMerger
{
    public static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Hashes pair keys well: long.GetHashCode is left ^ right, which collides for most id pairs.</summary>
    public sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();
        public bool Equals(long x, long y) => x == y;
        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }

    /// <summary>Reference: scan all pairs for the lowest rank, merge it, repeat. Symbols are (ids, starts, ends)
    /// in [0, count); merged in place. Returns the new count.</summary>
    public static int MergeNaive(int[] ids, int[] starts, int[] ends, int count, Dictionary<long, MergeRule> merges)
    {
        while (count > 1)
        {
            int best = -1;
            var bestRule = new MergeRule(int.MaxValue, -1);
            for (int i = 0; i + 1 < count; i++)
                if (merges.TryGetValue(Key(ids[i], ids[i + 1]), out var rule) && rule.Rank < bestRule.Rank)
                {
                    best = i; bestRule = rule;
                }
            if (best < 0) break;
            ids[best] = bestRule.NewId;
            ends[best] = ends[best + 1];
            for (int i = best + 1; i + 1 < count; i++)
            {
                ids[i] = ids[i + 1]; starts[i] = starts[i + 1]; ends[i] = ends[i + 1];
            }
            count--;
        }
        return count;
    }

    /// <summary>Same result as MergeNaive: a priority queue of candidate pairs keyed (rank, position); stale entries
    /// (a side already merged away, or the pair changed) are skipped when popped.</summary>
    public static int MergeQueue(int[] ids, int[] starts, int[] ends, int count, Dictionary<long, MergeRule> merges)
    {
        if (count < 2) return count;
        var next = new int[count];
        var prev = new int[count];
        var alive = new bool[count];
        var queue = new PriorityQueue<(int Pos, int NewId), (int Rank, int Pos)>();
        for (int i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
            if (i + 1 < count && merges.TryGetValue(Key(ids[i], ids[i + 1]), out var rule))
                queue.Enqueue((i, rule.NewId), (rule.Rank, i));
        }
        while (queue.TryDequeue(out var top, out _))
        {
            int p = top.Pos;
            if (!alive[p] || next[p] < 0) continue;
            int q = next[p];
            if (!merges.TryGetValue(Key(ids[p], ids[q]), out var rule) || rule.NewId != top.NewId) continue;
            ids[p] = rule.NewId;
            ends[p] = ends[q];
            alive[q] = false;
            next[p] = next[q];
            if (next[q] >= 0) prev[next[q]] = p;
            if (prev[p] >= 0 && merges.TryGetValue(Key(ids[prev[p]], ids[p]), out var left))
                queue.Enqueue((prev[p], left.NewId), (left.Rank, prev[p]));
            if (next[p] >= 0 && merges.TryGetValue(Key(ids[p], ids[next[p]]), out var right))
                queue.Enqueue((p, right.NewId), (right.Rank, p));
        }
        int n = 0;
        for (int i = 0; i < count; i++)
        {
            if (!alive[i]) continue;
            ids[n] = ids[i]; starts[n] = starts[i]; ends[n] = ends[i];
            n++;
        }
        return n;
    }
}

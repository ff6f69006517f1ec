// The embedded store's in-memory side: every point's filter fields and, per vector kind, a VectorMatrix (float32 unit
// rows + their int8 codes). Search is exact in two passes:
//   1. pre-scan: every candidate row (has the vector, passes the filter's bitmap) gets an int8 score a = s_x·s_q·(X·Q)
//      and an upper bound u = a + err, err = s_x·(‖q‖₁/2 + dim·s_q/4) + s_q·‖x‖₁/2 ≥ |x·q − a| (x = s_x·X + e_x,
//      q = s_q·Q + e_q, |e| ≤ s/2 per element), rows split across the cores;
//   2. rescore: the k best by a are scored exactly (TensorPrimitives.Dot on the float rows), their k-th best score T is
//      a lower bound of the true k-th best, and every other row with u + slack ≥ T is scored exactly too. No row left
//      out can reach the exact top k, so the result is the brute-force top k (ties to the lower id).
// Filters become a bitmap over slots once, cached per filter until the next write. Not thread-safe for writers:
// EmbeddedFeatureStore guards it with a reader/writer lock (many searches at once, one writer) and keeps it in step
// with SQLite by revision.
using System.Buffers;
using System.Numerics.Tensors;

namespace Interp.Index.Embedded;

internal sealed class VectorCache
{
    private const int MinRowsPerPart = 8192, InitialCapacity = 1024, MaxCachedMasks = 16;

    /// <summary>The store revision this cache reflects (every write transaction bumps the store's revision by one).</summary>
    public long Rev { get; set; }
    public int Count => _count;

    private int _count;
    private long[] _pk = new long[InitialCapacity];
    private string[] _id = new string[InitialCapacity];
    private FeaturePayload[] _payload = new FeaturePayload[InitialCapacity];
    private readonly VectorMatrix _e, _d;
    private readonly Dictionary<long, int> _slot = new();
    private long _version;                                       // bumped by every Put/Remove: cached masks follow it
    private readonly object _maskLock = new();
    private readonly Dictionary<FeatureFilter, bool[]> _masks = new();
    private long _masksAt = -1;

    public VectorCache(int explanationDim)
    {
        _e = new VectorMatrix(explanationDim, InitialCapacity);
        _d = new VectorMatrix(0, InitialCapacity);               // d_in is fixed by the first decoder vector
    }

    /// <summary>Adds or replaces the point with primary key <paramref name="pk"/>; empty spans mean "no such vector".</summary>
    public void Put(long pk, string id, FeaturePayload payload, ReadOnlySpan<float> explanation, ReadOnlySpan<float> decoder)
    {
        if (decoder.Length > 0 && _d.Dim > 0 && decoder.Length != _d.Dim)
            throw new InvalidOperationException($"a decoder vector of {decoder.Length} floats in an index of d_in {_d.Dim}.");
        if (!_slot.TryGetValue(pk, out int s))
        {
            Grow(_count + 1);
            s = _count++;
            _slot[pk] = s;
        }
        _pk[s] = pk; _id[s] = id; _payload[s] = payload;
        _e.Set(s, explanation);
        _d.Set(s, decoder);
        _version++;
    }

    /// <summary>Makes room for <paramref name="rows"/> points at once (a full load), instead of doubling as they arrive.</summary>
    public void Reserve(int rows)
    {
        Grow(rows);
        _slot.EnsureCapacity(rows);
    }

    /// <summary>Removes a point (the last row moves into its slot).</summary>
    public void Remove(long pk)
    {
        if (!_slot.Remove(pk, out int s)) return;
        int last = --_count;
        if (s != last)
        {
            _pk[s] = _pk[last]; _id[s] = _id[last]; _payload[s] = _payload[last];
            _e.Move(last, s); _d.Move(last, s);
            _slot[_pk[s]] = s;
        }
        _payload[last] = null!; _id[last] = null!;
        _version++;
    }

    /// <summary>The <paramref name="k"/> best rows (cosine with <paramref name="query"/>, ties to the lower id) among those
    /// having a <paramref name="kind"/> vector and passing <paramref name="filter"/> (null or empty = all), best first.</summary>
    public List<(long Pk, string Id, float Score)> Search(VectorKind kind, float[] query, FeatureFilter? filter, int k) =>
        Search(kind, query, filter is null || filter.IsEmpty ? null : MaskFor(filter), k);

    /// <summary>As above with a predicate over payloads (evaluated once per row into a bitmap, not cached).</summary>
    public List<(long Pk, string Id, float Score)> Search(VectorKind kind, float[] query, Func<FeaturePayload, bool>? pass, int k) =>
        Search(kind, query, pass is null ? null : BuildMask(pass), k);

    private List<(long Pk, string Id, float Score)> Search(VectorKind kind, float[] query, bool[]? mask, int k)
    {
        var result = new List<(long, string, float)>();
        var m = kind == VectorKind.Explanation ? _e : _d;
        int dim = m.Dim, n = _count;
        if (k <= 0 || n == 0 || dim == 0) return result;
        if (query.Length != dim) throw new ArgumentException($"the query has {query.Length} floats but the {kind.ToString().ToLowerInvariant()} vectors have {dim}.");

        // The query's int8 form (widened to int16 for the multiply-add) and the parts of the error bound that depend on it.
        float qMax = MathF.Abs(TensorPrimitives.MaxMagnitude(query)), sq = qMax > 0 ? qMax / 127f : 0f;
        var qc = new short[m.Stride];
        if (sq > 0)
        {
            var q8 = new sbyte[dim];
            VectorMatrix.Quantize(query, 127f / qMax, q8);
            for (int i = 0; i < dim; i++) qc[i] = q8[i];
        }
        float qL1 = TensorPrimitives.SumOfMagnitudes(query), qL2 = TensorPrimitives.Norm(query);
        float rowErr = 0.5f * qL1 + 0.25f * dim * sq, colErr = 0.5f * sq;
        // Covers float rounding in the bound itself and in the exact dot (γ_dim·‖q‖·‖x‖ with unit rows), generously.
        float slack = 1e-3f + 4f * dim * 6e-8f * qL2;

        var approx = ArrayPool<float>.Shared.Rent(n);
        var upper = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var has = m.Has; var scale = m.Scale; var l1 = m.L1; var codes = m.Codes; int stride = m.Stride;
            void Scan(int lo, int hi)
            {
                var q = qc.AsSpan();
                for (int s = lo; s < hi; s++)
                {
                    if (!has[s] || (mask is not null && !mask[s])) { approx[s] = upper[s] = float.NegativeInfinity; continue; }
                    float sx = scale[s];
                    float a = sx * sq * Int8Dot.Dot(q, new ReadOnlySpan<sbyte>(codes, s * stride, stride));
                    approx[s] = a;
                    upper[s] = a + 1.01f * (sx * rowErr + colErr * l1[s]);
                }
            }
            // More parts than cores: when one thread is preempted (a shared machine), the others take its remaining parts.
            int parts = Math.Clamp(n / MinRowsPerPart, 1, 4 * Environment.ProcessorCount);
            if (parts == 1) Scan(0, n);
            else Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                p => Scan((int)((long)n * p / parts), (int)((long)n * (p + 1) / parts)));

            // Seeds: the k best by the int8 score (any k passing rows would do; these are the likeliest winners).
            var seeds = new SeedHeap(k);
            for (int s = 0; s < n; s++)
                if (approx[s] != float.NegativeInfinity) seeds.Offer(approx[s], s);
            var top = new TopK(k, _id);
            var q32 = query.AsSpan();
            foreach (int s in seeds.Slots)
            {
                top.Offer(TensorPrimitives.Dot(q32, m.Row(s)), s);
                upper[s] = float.NegativeInfinity;                // scored
            }
            // Every row whose bound reaches the current k-th best exact score may still belong; score it exactly.
            if (top.Full)
            {
                for (int s = 0; s < n; s++)
                    if (upper[s] + slack >= top.WorstScore) top.Offer(TensorPrimitives.Dot(q32, m.Row(s)), s);
            }
            var all = top.Items.ToList();
            all.Sort((a, b) => Better(a.Score, _id[a.Slot], b.Score, _id[b.Slot]) ? -1 : a.Slot == b.Slot ? 0 : 1);
            foreach (var (score, slot) in all) result.Add((_pk[slot], _id[slot], score));
            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(approx);
            ArrayPool<float>.Shared.Return(upper);
        }
    }

    /// <summary>The filter's bitmap over slots, built once and reused until the next Put/Remove (filters with an
    /// Exclude list are built per query: their list may change under the same reference).</summary>
    private bool[] MaskFor(FeatureFilter f)
    {
        if (f.Exclude is { Count: > 0 }) return BuildMask(f.ToPredicate());
        lock (_maskLock)
        {
            if (_masksAt != _version) { _masks.Clear(); _masksAt = _version; }
            if (_masks.TryGetValue(f, out var cached)) return cached;
        }
        var mask = BuildMask(f.ToPredicate());
        lock (_maskLock)
        {
            if (_masksAt == _version)
            {
                if (_masks.Count >= MaxCachedMasks) _masks.Clear();
                _masks[f] = mask;
            }
        }
        return mask;
    }

    private bool[] BuildMask(Func<FeaturePayload, bool> pass)
    {
        var mask = new bool[_count];
        for (int s = 0; s < mask.Length; s++) mask[s] = pass(_payload[s]);
        return mask;
    }

    /// <summary>Whether (sa, ida) ranks before (sb, idb): higher score first, then the lower id.</summary>
    private static bool Better(float sa, string ida, float sb, string idb) =>
        sa > sb || (sa == sb && string.CompareOrdinal(ida, idb) < 0);

    private void Grow(int need)
    {
        if (need <= _pk.Length) return;
        int cap = Math.Max(need, _pk.Length * 2);
        Array.Resize(ref _pk, cap); Array.Resize(ref _id, cap); Array.Resize(ref _payload, cap);
        _e.Grow(cap); _d.Grow(cap);
    }

    /// <summary>The k largest int8 scores seen (a min-heap on score; which of equal scores is kept does not matter).</summary>
    private sealed class SeedHeap(int k)
    {
        private readonly float[] _score = new float[k];
        private readonly int[] _slot = new int[k];
        private int _n;

        public IEnumerable<int> Slots => _slot.Take(_n);

        public void Offer(float score, int slot)
        {
            if (_n < k)
            {
                int i = _n++;
                _score[i] = score; _slot[i] = slot;
                while (i > 0 && _score[(i - 1) / 2] > _score[i]) { Swap(i, (i - 1) / 2); i = (i - 1) / 2; }
                return;
            }
            if (score <= _score[0]) return;
            _score[0] = score; _slot[0] = slot;
            for (int i = 0; ;)
            {
                int l = 2 * i + 1, r = l + 1, min = i;
                if (l < _n && _score[l] < _score[min]) min = l;
                if (r < _n && _score[r] < _score[min]) min = r;
                if (min == i) break;
                Swap(i, min); i = min;
            }
        }

        private void Swap(int a, int b)
        {
            (_score[a], _score[b]) = (_score[b], _score[a]);
            (_slot[a], _slot[b]) = (_slot[b], _slot[a]);
        }
    }

    /// <summary>A bounded heap of the k best (exact score, slot) seen, ties to the lower id; its root is the worst kept.</summary>
    private sealed class TopK(int k, string[] ids)
    {
        private readonly PriorityQueue<int, (float Score, int Slot)> _q = new(Comparer<(float Score, int Slot)>.Create((a, b) =>
            Better(a.Score, ids[a.Slot], b.Score, ids[b.Slot]) ? 1 : a.Slot == b.Slot ? 0 : -1));

        public bool Full => _q.Count >= k;
        public float WorstScore { get { _q.TryPeek(out _, out var w); return w.Score; } }

        public void Offer(float score, int slot)
        {
            if (_q.Count < k) { _q.Enqueue(slot, (score, slot)); return; }
            _q.TryPeek(out _, out var worst);
            if (Better(score, ids[slot], worst.Score, ids[worst.Slot])) _q.EnqueueDequeue(slot, (score, slot));
        }

        public IEnumerable<(float Score, int Slot)> Items => _q.UnorderedItems.Select(x => x.Priority);
    }
}

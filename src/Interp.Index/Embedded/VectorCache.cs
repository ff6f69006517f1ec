// The embedded store's in-memory side: every point's filter fields and unit vectors in two row-major float32 matrices
// ([rows, embedder_dim] and [rows, d_in]), searched exactly — a dot product per candidate row (TensorPrimitives), rows
// split across all cores, a bounded heap per part, then one merge. Filters run before ranking. Not thread-safe by
// itself: EmbeddedFeatureStore guards it with a reader/writer lock and keeps it in step with SQLite by revision.
using System.Numerics.Tensors;

namespace Interp.Index.Embedded;

internal sealed class VectorCache(int explanationDim)
{
    private const int MinRowsPerPart = 4096;

    /// <summary>The store revision this cache reflects (every write transaction bumps the store's revision by one).</summary>
    public long Rev { get; set; }
    public int Count => _count;

    private int _count;
    private long[] _pk = new long[1024];
    private string[] _id = new string[1024];
    private FeaturePayload[] _payload = new FeaturePayload[1024];
    private float[] _e = new float[1024 * explanationDim];      // [capacity, explanationDim], unit rows
    private bool[] _hasE = new bool[1024];
    private float[] _d = [];                                     // [capacity, _dimD], unit rows; allocated with the first decoder
    private bool[] _hasD = new bool[1024];
    private int _dimD;
    private readonly Dictionary<long, int> _slot = new();

    /// <summary>Adds or replaces the point with primary key <paramref name="pk"/>; empty spans mean "no such vector".</summary>
    public void Put(long pk, string id, FeaturePayload payload, ReadOnlySpan<float> explanation, ReadOnlySpan<float> decoder)
    {
        if (!_slot.TryGetValue(pk, out int s))
        {
            Grow(_count + 1);
            s = _count++;
            _slot[pk] = s;
        }
        _pk[s] = pk; _id[s] = id; _payload[s] = payload;
        _hasE[s] = explanation.Length > 0;
        if (_hasE[s]) explanation.CopyTo(_e.AsSpan(s * explanationDim, explanationDim));
        _hasD[s] = decoder.Length > 0;
        if (_hasD[s])
        {
            if (_dimD == 0) { _dimD = decoder.Length; _d = new float[_pk.Length * _dimD]; }
            if (decoder.Length != _dimD) throw new InvalidOperationException($"a decoder vector of {decoder.Length} floats in an index of d_in {_dimD}.");
            decoder.CopyTo(_d.AsSpan(s * _dimD, _dimD));
        }
    }

    /// <summary>Removes a point (the last row moves into its slot).</summary>
    public void Remove(long pk)
    {
        if (!_slot.Remove(pk, out int s)) return;
        int last = --_count;
        if (s != last)
        {
            _pk[s] = _pk[last]; _id[s] = _id[last]; _payload[s] = _payload[last];
            _hasE[s] = _hasE[last]; _hasD[s] = _hasD[last];
            Array.Copy(_e, last * explanationDim, _e, s * explanationDim, explanationDim);
            if (_dimD > 0) Array.Copy(_d, last * _dimD, _d, s * _dimD, _dimD);
            _slot[_pk[s]] = s;
        }
        _payload[last] = null!; _id[last] = null!;
    }

    /// <summary>The <paramref name="k"/> best rows (cosine with <paramref name="query"/>, ties to the lower id) among those
    /// having a <paramref name="kind"/> vector and passing <paramref name="pass"/> (null = all), best first.</summary>
    public List<(long Pk, string Id, float Score)> Search(VectorKind kind, float[] query, Func<FeaturePayload, bool>? pass, int k)
    {
        var result = new List<(long, string, float)>();
        int dim = kind == VectorKind.Explanation ? explanationDim : _dimD;
        if (k <= 0 || _count == 0 || dim == 0) return result;
        if (query.Length != dim) throw new ArgumentException($"the query has {query.Length} floats but the {kind.ToString().ToLowerInvariant()} vectors have {dim}.");
        var data = kind == VectorKind.Explanation ? _e : _d;
        var has = kind == VectorKind.Explanation ? _hasE : _hasD;
        int n = _count;
        int parts = Math.Clamp(n / MinRowsPerPart, 1, Environment.ProcessorCount);
        var heaps = new TopK[parts];
        void Scan(int part)
        {
            var top = new TopK(k, _id);
            int lo = (int)((long)n * part / parts), hi = (int)((long)n * (part + 1) / parts);
            var q = query.AsSpan();
            for (int s = lo; s < hi; s++)
            {
                if (!has[s] || (pass is not null && !pass(_payload[s]))) continue;
                top.Offer(TensorPrimitives.Dot(q, new ReadOnlySpan<float>(data, s * dim, dim)), s);
            }
            heaps[part] = top;
        }
        if (parts == 1) Scan(0);
        else Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, Scan);
        var all = heaps.SelectMany(h => h.Items).ToList();
        all.Sort((a, b) => Better(a.Score, _id[a.Slot], b.Score, _id[b.Slot]) ? -1 : a.Slot == b.Slot ? 0 : 1);
        foreach (var (score, slot) in all.Take(k)) result.Add((_pk[slot], _id[slot], score));
        return result;
    }

    /// <summary>Whether (sa, ida) ranks before (sb, idb): higher score first, then the lower id.</summary>
    private static bool Better(float sa, string ida, float sb, string idb) =>
        sa > sb || (sa == sb && string.CompareOrdinal(ida, idb) < 0);

    private void Grow(int need)
    {
        if (need <= _pk.Length) return;
        int cap = Math.Max(need, _pk.Length * 2);
        Array.Resize(ref _pk, cap); Array.Resize(ref _id, cap); Array.Resize(ref _payload, cap);
        Array.Resize(ref _hasE, cap); Array.Resize(ref _hasD, cap);
        Array.Resize(ref _e, cap * explanationDim);
        if (_dimD > 0) Array.Resize(ref _d, cap * _dimD);
    }

    /// <summary>A bounded heap of the k best (score, slot) seen; its root is the worst kept.</summary>
    private sealed class TopK(int k, string[] ids)
    {
        private readonly PriorityQueue<int, (float Score, int Slot)> _q = new(Comparer<(float Score, int Slot)>.Create((a, b) =>
            Better(a.Score, ids[a.Slot], b.Score, ids[b.Slot]) ? 1 : a.Slot == b.Slot ? 0 : -1));

        public void Offer(float score, int slot)
        {
            if (_q.Count < k) { _q.Enqueue(slot, (score, slot)); return; }
            _q.TryPeek(out _, out var worst);
            if (Better(score, ids[slot], worst.Score, ids[worst.Slot])) _q.EnqueueDequeue(slot, (score, slot));
        }

        public IEnumerable<(float Score, int Slot)> Items => _q.UnorderedItems.Select(x => x.Priority);
    }
}

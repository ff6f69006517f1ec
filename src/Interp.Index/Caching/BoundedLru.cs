// A least-recently-used map bounded twice: by entry count and by total weight (bytes, for rendered pages). Adding past
// either bound evicts the least recently used entries; a value heavier than the whole weight budget is not stored.
// Thread-safe behind one lock (every operation is O(1)); counts hits, misses and evictions for logs and tests. Used for
// query-text embeddings (FeatureIndex) and rendered feature pages (Interp.Serve's FeaturePageCache).
namespace Interp.Index.Caching;

public sealed class BoundedLru<TKey, TValue> where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _map;
    private readonly LinkedList<Entry> _order = new();            // most recently used first
    private readonly Func<TValue, long> _weight;
    private readonly object _gate = new();
    private long _totalWeight, _hits, _misses, _evictions;

    private sealed record Entry(TKey Key, TValue Value, long Weight);

    /// <param name="maxEntries">at most this many entries (≥ 1)</param>
    /// <param name="maxWeight">at most this total weight (≥ 1)</param>
    /// <param name="weight">an entry's weight (e.g. its byte length); null = every entry weighs 1</param>
    public BoundedLru(int maxEntries, long maxWeight = long.MaxValue, Func<TValue, long>? weight = null, IEqualityComparer<TKey>? comparer = null)
    {
        if (maxEntries < 1) throw new ArgumentOutOfRangeException(nameof(maxEntries), maxEntries, "a cache holds at least one entry");
        if (maxWeight < 1) throw new ArgumentOutOfRangeException(nameof(maxWeight), maxWeight, "a cache's weight budget is at least 1");
        MaxEntries = maxEntries;
        MaxWeight = maxWeight;
        _weight = weight ?? (_ => 1);
        _map = new Dictionary<TKey, LinkedListNode<Entry>>(Math.Min(maxEntries, 4096), comparer);
    }

    public int MaxEntries { get; }
    public long MaxWeight { get; }
    public int Count { get { lock (_gate) return _map.Count; } }
    public long TotalWeight { get { lock (_gate) return _totalWeight; } }
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The value of <paramref name="key"/>, which becomes the most recently used; false when absent.</summary>
    public bool TryGet(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                _hits++;
                value = node.Value.Value;
                return true;
            }
            _misses++;
        }
        value = default!;
        return false;
    }

    /// <summary>Stores (or replaces) <paramref name="key"/> as the most recently used entry, evicting the least recently
    /// used ones past the bounds. Returns false (and stores nothing, dropping any older value) when the value alone
    /// outweighs the budget.</summary>
    public bool Set(TKey key, TValue value)
    {
        long w = _weight(value);
        if (w < 0) throw new ArgumentOutOfRangeException(nameof(value), w, "an entry's weight is never negative");
        lock (_gate)
        {
            if (_map.Remove(key, out var old)) Unlink(old);
            if (w > MaxWeight) return false;
            var node = _order.AddFirst(new Entry(key, value, w));
            _map[key] = node;
            _totalWeight += w;
            while (_map.Count > MaxEntries || _totalWeight > MaxWeight)
            {
                var last = _order.Last!;
                _map.Remove(last.Value.Key);
                Unlink(last);
                _evictions++;
            }
            return true;
        }
    }

    public bool Remove(TKey key)
    {
        lock (_gate)
        {
            if (!_map.Remove(key, out var node)) return false;
            Unlink(node);
            return true;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _order.Clear();
            _totalWeight = 0;
        }
    }

    private void Unlink(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _totalWeight -= node.Value.Weight;
    }
}

// Rendered feature pages (the UI's HTML and the API's JSON) kept as UTF-8 bytes in a bounded LRU (entries and bytes), so
// a page asked for again is sent without reading the latent cache and the index or rendering anything. Each entry keeps
// the data version it was rendered from — the index's revision, the latent cache's version and this cache's epoch — and
// is served only while all three are unchanged: a label written by a job (or by another process into the same index
// file), a re-index, a deletion or a rebuilt latent cache shows on the next request. A backend that keeps no revision
// (Qdrant) gets no caching at all. Invalidate() is the hook for a writer the version cannot see: it drops every page.
using Interp.Index.Caching;
using Interp.Serve.Catalog;

namespace Interp.Serve.Features;

public sealed class FeaturePageCache
{
    public const int DefaultEntries = 4096;
    public const long DefaultBytes = 64L << 20;

    public enum Format { Html, Json }

    /// <param name="Neighbours">how many neighbours the page lists (the API's `neighbours`; the UI shows 8)</param>
    public readonly record struct Key(Format Format, string Sae, int Feature, int Neighbours);

    /// <summary>What a page was rendered from. Read before the data, so a stored page is never older than its version.</summary>
    public readonly record struct DataVersion(long IndexRevision, SaeCatalog.LatentCacheVersion Cache, long Epoch);

    private readonly BoundedLru<Key, (DataVersion Version, byte[] Body)>? _pages;   // null: off
    private long _epoch, _hits, _misses;

    /// <param name="maxBytes">the bytes of pages kept; 0 = keep none (every request renders)</param>
    public FeaturePageCache(int maxEntries = DefaultEntries, long maxBytes = DefaultBytes)
    {
        if (maxBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "0 (off) or more");
        if (maxBytes > 0) _pages = new(maxEntries, maxBytes, e => e.Body.Length + 64);
    }

    public long Epoch => Interlocked.Read(ref _epoch);
    public int Count => _pages?.Count ?? 0;
    public long Bytes => _pages?.TotalWeight ?? 0;
    /// <summary>Requests answered from the cache, and requests that rendered (absent, or rendered at another version).</summary>
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The page of <paramref name="key"/> when it was rendered at exactly <paramref name="version"/>.</summary>
    public bool TryGet(Key key, DataVersion version, out byte[] body)
    {
        if (_pages is { } p && p.TryGet(key, out var e) && e.Version == version)
        {
            Interlocked.Increment(ref _hits);
            body = e.Body;
            return true;
        }
        Interlocked.Increment(ref _misses);
        body = [];
        return false;
    }

    public void Set(Key key, DataVersion version, byte[] body) => _pages?.Set(key, (version, body));

    /// <summary>Drops every page; pages being rendered now are not kept either (their version has the old epoch).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _epoch);
        _pages?.Clear();
    }
}

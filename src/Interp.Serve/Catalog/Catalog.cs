// The models and SAEs the server knows by name (the Models and Saes sections), with what each feature page needs opened
// once and shared: an SAE's decoder directions (neighbours), a small pool of latent-cache readers per SAE (a LatentCache
// is one SQLite connection, not for concurrent use), and the SAE's identity in the index. Names are checked against the
// configuration before any path is touched, so a path parameter can never name a file.
using System.Collections.Concurrent;
using Interp.Dictionaries.Analysis;
using Interp.Dictionaries.Cache;
using Interp.Errors;
using Interp.Serve.Settings;

namespace Interp.Serve.Catalog;

public sealed class SaeCatalog(ServeSettings settings) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<DecoderDirections>> _decoders = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<LatentCache>> _caches = new();
    private long _generation;

    public IReadOnlyDictionary<string, ModelEntry> Models => settings.Models;
    public IReadOnlyDictionary<string, SaeEntry> Saes => settings.Saes;

    /// <summary>The entry of SAE <paramref name="name"/>, or a NotFound error listing the known ones.</summary>
    public SaeEntry Sae(string name) =>
        settings.Saes.TryGetValue(name, out var e) ? e
            : throw new InterpException($"no SAE named '{Shorten(name)}'", "sae", settings.Saes.Count == 0 ? "configure one under Saes" : $"use one of {string.Join(", ", settings.Saes.Keys)}", ErrorKind.NotFound);

    public ModelEntry Model(string name) =>
        settings.Models.TryGetValue(name, out var e) ? e
            : throw new InterpException($"no model named '{Shorten(name)}'", "model", $"use one of {string.Join(", ", settings.Models.Keys)}", ErrorKind.NotFound);

    public DecoderDirections Decoder(string sae)
    {
        var entry = Sae(sae);
        return _decoders.GetOrAdd(sae, _ => new Lazy<DecoderDirections>(() => DecoderDirections.Load(entry.Path))).Value;
    }

    /// <summary>Checks a feature id against the SAE's size.</summary>
    public void CheckFeature(string sae, int feature)
    {
        int d = Decoder(sae).DSae;
        if (feature < 0 || feature >= d)
            throw new InterpException($"feature {feature} is outside SAE '{sae}' (features 0..{d - 1})", "feature", "give an id in range", ErrorKind.NotFound);
    }

    /// <summary>Runs <paramref name="read"/> with a pooled reader of the SAE's latent cache; null when it has none.</summary>
    public T? WithCache<T>(string sae, Func<LatentCache, T> read) where T : class
    {
        var entry = Sae(sae);
        if (entry.Cache is null || !File.Exists(entry.Cache)) return null;
        var bag = _caches.GetOrAdd(sae, _ => new ConcurrentBag<LatentCache>());
        var cache = bag.TryTake(out var c) ? c : LatentCache.Open(entry.Cache);
        try { return read(cache); }
        finally
        {
            if (bag.Count < 8) bag.Add(cache); else cache.Dispose();
        }
    }

    /// <summary>Drops the pooled readers of an SAE (after a cache_build job rewrote its cache); what was derived from the
    /// old cache goes stale with them (<see cref="CacheVersion"/> changes).</summary>
    public void Reopen(string sae)
    {
        Interlocked.Increment(ref _generation);
        if (_caches.TryRemove(sae, out var bag)) while (bag.TryTake(out var c)) c.Dispose();
    }

    /// <summary>What the SAE's latent cache is now, as far as a reader can see: its file's (and write-ahead log's) length and
    /// last write, and how many times readers were dropped. Any commit to the cache, by this process or another, changes it.</summary>
    public LatentCacheVersion CacheVersion(string sae)
    {
        var entry = Sae(sae);
        long gen = Interlocked.Read(ref _generation);
        if (entry.Cache is null) return new(gen, -1, 0, -1, 0);
        var f = new FileInfo(entry.Cache);
        var w = new FileInfo(entry.Cache + "-wal");
        return new(gen, f.Exists ? f.Length : -1, f.Exists ? f.LastWriteTimeUtc.Ticks : 0, w.Exists ? w.Length : -1, w.Exists ? w.LastWriteTimeUtc.Ticks : 0);
    }

    public readonly record struct LatentCacheVersion(long Generation, long Length, long WriteTicks, long WalLength, long WalWriteTicks);

    private static string Shorten(string s) => s.Length <= 64 ? s : s[..64] + "…";

    public void Dispose()
    {
        foreach (var bag in _caches.Values) while (bag.TryTake(out var c)) c.Dispose();
    }
}

// Assembles a FeatureView from the three places a feature's facts live: the latent cache (statistics, histogram,
// examples), the feature index (labels, scores, token effects, failures) and the SAE's decoder (neighbours by cosine).
// Missing pieces stay empty (a feature not labeled yet has no labels), never invented. RenderedAsync serves a rendered
// page from FeaturePageCache while the data it was rendered from is unchanged. Also the search the API offers.
using Interp.Dictionaries.Cache;
using Interp.Errors;
using Interp.Index;
using Interp.Index.Records;
using Interp.Serve.Catalog;

namespace Interp.Serve.Features;

public sealed class FeatureService(SaeCatalog catalog, SharedFeatureIndex index, FeaturePageCache pages)
{
    public const int MaxTop = 100, MaxExamples = 20;

    /// <summary>Feature <paramref name="feature"/>'s page as <paramref name="render"/> makes it: from the page cache when
    /// rendered before at the current data version, else assembled (GetAsync), rendered and kept. Errors are never kept.</summary>
    public async Task<byte[]> RenderedAsync(FeaturePageCache.Format format, string sae, int feature, int neighbours,
        Func<FeatureView, byte[]> render, CancellationToken ct = default)
    {
        catalog.CheckFeature(sae, feature);
        var version = await VersionAsync(sae, ct);          // before the data: what is stored is at least this new
        var key = new FeaturePageCache.Key(format, sae, feature, neighbours);
        if (version is { } v && pages.TryGet(key, v, out var body)) return body;
        body = render(await GetAsync(sae, feature, neighbours, ct));
        if (version is { } w) pages.Set(key, w, body);
        return body;
    }

    /// <summary>The version of what an SAE's feature pages are made of; null when the index keeps no revision.</summary>
    private async Task<FeaturePageCache.DataVersion?> VersionAsync(string sae, CancellationToken ct)
    {
        long epoch = pages.Epoch;
        var ix = await index.GetAsync(ct);
        return await ix.RevisionAsync(ct) is { } rev ? new FeaturePageCache.DataVersion(rev, catalog.CacheVersion(sae), epoch) : null;
    }

    public async Task<FeatureView> GetAsync(string sae, int feature, int neighbours = 8, CancellationToken ct = default)
    {
        catalog.CheckFeature(sae, feature);
        var dec = catalog.Decoder(sae);
        var cached = catalog.WithCache(sae, c => c.Feature(feature));
        FeatureRecord? rec = null;
        var ix = await index.GetAsync(ct);
        var key = new FeatureKey(dec.SaeId, feature);
        rec = (await ix.GetAsync([key], ct)).FirstOrDefault();

        var near = Neighbours(sae, feature, neighbours);
        var labels = near.Count == 0 ? new Dictionary<int, string>() : (await ix.GetAsync(near.Select(n => new FeatureKey(dec.SaeId, n.Feature)).ToList(), ct))
            .Where(r => r.IsLabeled).ToDictionary(r => r.Feature, r => r.Explanations[0].Text);

        return new FeatureView(sae, feature, dec.Cfg.HookName, dec.DSae,
            rec?.Explanations.Select(e => new LabelView(e.Text, e.Explainer, e.LlmModel, e.PromptVersion)).ToList() ?? [],
            rec?.Scores.Select(s => new ScoreView(s.Method, s.Capability, s.Value, s.CiLow, s.CiHigh, s.LlmModel)).ToList() ?? [],
            cached is null ? null : new StatsView(cached.Count, cached.Tokens, cached.Density, cached.Max, cached.Mean),
            cached is null ? null : new HistogramView(cached.Histogram.Max, cached.Histogram.Counts),
            cached?.TopExamples.Take(MaxExamples).Select(e => Example("top", e)).ToList() ?? [],
            cached?.QuantileExamples.Take(MaxExamples).Select(e => Example("quantile", e)).ToList() ?? [],
            rec?.Promoted ?? [], rec?.Suppressed ?? [],
            near.Select(n => new NeighbourView(n.Feature, n.Cosine, labels.GetValueOrDefault(n.Feature))).ToList(),
            rec?.Failures ?? [], cached is not null, rec is not null);
    }

    private static ExampleView Example(string kind, CacheExample e) =>
        new(kind, e.QuantileBin, e.ContextId, e.PeakIndex, e.PeakValue, e.Tokens, e.Activations);

    /// <summary>The features whose decoder rows are closest (cosine) to <paramref name="feature"/>'s, best first. Computed
    /// once per feature (the 64 nearest, then cut to <paramref name="k"/>): decoder rows never change while the server runs.</summary>
    public IReadOnlyList<(int Feature, double Cosine)> Neighbours(string sae, int feature, int k)
    {
        if (k <= 0) return [];
        var all = _neighbours.GetOrAdd((sae, feature), key => Nearest(key.Sae, key.Feature, MaxNeighbours));
        return all.Length <= k ? all : all[..k];
    }

    private const int MaxNeighbours = 64;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Sae, int Feature), (int, double)[]> _neighbours = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (float[][] Rows, double[] Norms)> _rows = new();

    private (int, double)[] Nearest(string sae, int feature, int k)
    {
        var (rows, norms) = _rows.GetOrAdd(sae, name =>
        {
            var dec = catalog.Decoder(name);
            var r = Enumerable.Range(0, dec.DSae).Select(f => dec.Row(f) ?? []).ToArray();
            return (r, r.Select(x => Math.Sqrt(Dot(x, x))).ToArray());
        });
        var row = rows[feature];
        if (row.Length == 0) return [];
        var best = new PriorityQueue<(int, double), double>();
        for (int f = 0; f < rows.Length; f++)
        {
            if (f == feature || rows[f].Length == 0) continue;
            double cos = Dot(row, rows[f]) / (norms[feature] * norms[f]);
            best.Enqueue((f, cos), cos);
            if (best.Count > k) best.Dequeue();
        }
        var list = new List<(int, double)>();
        while (best.Count > 0) list.Add(best.Dequeue());
        list.Reverse();
        return [.. list];
    }

    /// <summary>Text search over labels, narrowed by <paramref name="filter"/>; SAE names resolve to identities.</summary>
    public async Task<IReadOnlyList<SearchHitView>> SearchTextAsync(string text, FeatureFilter filter, int top, int offset, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InterpException("the search text is empty", "text", "give a few words, e.g. text=dates");
        var ix = await index.GetAsync(ct);
        var hits = await ix.SearchByTextAsync(text, filter, top, offset, ct);
        return hits.Select(View).ToList();
    }

    /// <summary>Direction search: features whose decoder row is closest to <paramref name="vector"/>.</summary>
    public async Task<IReadOnlyList<SearchHitView>> SearchDirectionAsync(float[] vector, FeatureFilter filter, int top, int offset, CancellationToken ct)
    {
        foreach (var v in vector) if (!float.IsFinite(v)) throw new InterpException("the direction holds a non-finite number", "vector", "send finite floats");
        var ix = await index.GetAsync(ct);
        var hits = await ix.SearchByVectorAsync(VectorKind.Decoder, vector, filter, top, offset, ct);
        return hits.Select(View).ToList();
    }

    private SearchHitView View(FeatureHit h)
    {
        var r = h.Record;
        string? name = catalog.Saes.FirstOrDefault(kv => SafeId(kv.Key) == r.Sae.Id).Key;
        var head = r.Scores.Count > 0 ? r.Scores[0].Value : (double?)null;
        return new SearchHitView(name, r.Sae.Name, r.Feature, h.Score, r.IsLabeled ? r.Explanations[0].Text : null, head, r.Stats?.Density);
    }

    /// <summary>The SAE identity of a catalog name (an unreadable SAE folder has none).</summary>
    public string? SafeId(string sae)
    {
        try { return catalog.Decoder(sae).SaeId; }
        catch (Exception e) when (e is IOException or InterpException or UnauthorizedAccessException or ArgumentException) { return null; }
    }

    private static double Dot(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}

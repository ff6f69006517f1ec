// A feature's evidence, the first stage of its labeling: statistics from the cache, its explain and score sets, and the
// tokens it promotes and suppresses. Deterministic from the cache, the weights and the settings, so it can be recomputed
// at will (the shuffled score reads another feature's this way). EvidenceSource builds it and keeps the recent ones.
using Interp.Agent.Labeling.Examples;
using Interp.Dictionaries.Cache;
using Interp.Index.Records;

namespace Interp.Agent.Labeling;

public sealed record FeatureEvidence(int Feature, FeatureStats Stats, IReadOnlyList<LabelingExample> Explain, IReadOnlyList<LabelingExample> Score,
    IReadOnlyList<TokenEffect> Promoted, IReadOnlyList<TokenEffect> Suppressed);

/// <summary>Builds evidence from a latent cache (the caller's connection) and memoises the last few hundred features.
/// Promoted / suppressed tokens are named by <paramref name="tokenText"/> (the model's tokenizer) when given, else by the
/// cache's vocabulary, which only holds tokens seen in its corpus.</summary>
public sealed class EvidenceSource(ExampleOptions examples, OutputEffects? effects, DecoderNeighbours? neighbours, Func<int, string>? tokenText = null,
    int outputTokens = 10, int capacity = 256)
{
    private readonly Dictionary<int, FeatureEvidence> _memo = new();
    private readonly Queue<int> _order = new();
    private readonly Lock _gate = new();

    public FeatureEvidence Get(int feature, LatentCache cache)
    {
        lock (_gate)
            if (_memo.TryGetValue(feature, out var hit)) return hit;
        var ev = Build(feature, cache);
        lock (_gate)
        {
            if (_memo.TryAdd(feature, ev)) _order.Enqueue(feature);
            while (_order.Count > capacity) _memo.Remove(_order.Dequeue());
        }
        return ev;
    }

    private FeatureEvidence Build(int feature, LatentCache cache)
    {
        var cf = cache.Feature(feature);
        var sets = new ExampleSelector(cache, examples, neighbours).Select(cf);
        var (up, down) = effects?.Top(feature, outputTokens, tokenText ?? cache.TokenString) ?? ([], []);
        var stats = new FeatureStats(cf.Count, cf.Tokens, cf.Density, cf.Max, cf.Mean, cf.Histogram.Counts);
        return new FeatureEvidence(feature, stats, sets.Explain, sets.Score, up, down);
    }
}

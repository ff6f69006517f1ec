// Chooses a feature's explain and score sets from the latent cache, through its public API only (Feature, ContextTokens,
// FeatureActivations, TokenString): top-activating contexts split by rank parity, quantile samples round-robin over the
// cache's bins, random non-activating windows (the cache's, then more drawn when asked for), and optional hard negatives
// (where a decoder-similar feature fires and this one does not). The two sets never share a context; the same cache,
// options and seed give the same sets. One LatentCache per selector: not for concurrent use.
using Interp.Dictionaries.Cache;
using Interp.Tensors;

namespace Interp.Agent.Labeling.Examples;

public sealed record SelectedExamples(IReadOnlyList<LabelingExample> Explain, IReadOnlyList<LabelingExample> Score)
{
    public IEnumerable<LabelingExample> All => Explain.Concat(Score);
}

public sealed class ExampleSelector(LatentCache cache, ExampleOptions options, DecoderNeighbours? neighbours = null)
{
    private readonly Dictionary<long, int[]> _tokens = new();

    public ExampleOptions Options => options;

    public SelectedExamples Select(int feature) => Select(cache.Feature(feature));

    public SelectedExamples Select(CachedFeature f)
    {
        options.Validate();
        _tokens.Clear();
        int window = Math.Min(options.Window, cache.Info.ContextLength);
        var explain = new List<LabelingExample>();
        var score = new List<LabelingExample>();
        var explainContexts = new HashSet<long>();
        var scoreContexts = new HashSet<long>();

        // Top contexts: explain takes even ranks, score odd ranks; each then fills from the other parity's leftovers.
        var tops = f.TopExamples.OrderBy(e => e.Rank).ToList();
        var evens = tops.Where(e => e.Rank % 2 == 0).ToList();
        var odds = tops.Where(e => e.Rank % 2 == 1).ToList();
        Take(evens, options.ExplainTop, explain, explainContexts, null, ExampleSets.Explain);
        Take(odds, options.ScoreTop, score, scoreContexts, explainContexts, ExampleSets.Score);
        Take(odds, options.ExplainTop - explain.Count, explain, explainContexts, scoreContexts, ExampleSets.Explain);
        Take(evens, options.ScoreTop - score.Count, score, scoreContexts, explainContexts, ExampleSets.Score);

        // Quantile samples: each bin's samples in a seeded order, bins visited highest first, one per bin per round.
        var rng = new Rng(Mix(options.Seed, (ulong)f.Id, 0x5157u));
        var bins = f.QuantileExamples.GroupBy(e => e.QuantileBin ?? 0).OrderByDescending(g => g.Key)
            .Select(g => { var a = g.OrderBy(e => e.Rank).ToArray(); rng.Shuffle(a.AsSpan()); return new Queue<CacheExample>(a); }).ToList();
        RoundRobin(bins, options.ExplainQuantile, explain, explainContexts, scoreContexts, ExampleSets.Explain);
        RoundRobin(bins, options.ScoreQuantile, score, scoreContexts, explainContexts, ExampleSets.Score);

        // Random negatives: the cache's own, then windows of further contexts where the feature never fires.
        int negatives = 0;
        foreach (var n in f.RandomNegatives.OrderBy(e => e.Rank))
        {
            if (negatives == options.ScoreRandom) break;
            if (!scoreContexts.Add(n.ContextId)) continue;
            score.Add(Make(f.Id, ExampleSets.Score, ExampleKinds.Random, n.ContextId, n.Start, null, window, peak: null));
            negatives++;
        }
        if (negatives < options.ScoreRandom && f.Count > 0) negatives += DrawNegatives(f.Id, options.ScoreRandom - negatives, window, score, scoreContexts, explainContexts);
        if (options.HardNegatives > 0 && neighbours is not null) HardNegatives(f.Id, window, score, scoreContexts, explainContexts);
        return new SelectedExamples(explain, score);

        void Take(List<CacheExample> from, int want, List<LabelingExample> into, HashSet<long> mine, HashSet<long>? other, string set)
        {
            foreach (var e in from)
            {
                if (want <= 0) return;
                if ((other?.Contains(e.ContextId) ?? false) || mine.Contains(e.ContextId)) continue;
                mine.Add(e.ContextId);
                into.Add(Make(f.Id, set, ExampleKinds.Top, e.ContextId, e.Start, null, window, e.PeakPosition));
                want--;
            }
        }

        void RoundRobin(List<Queue<CacheExample>> queues, int want, List<LabelingExample> into, HashSet<long> mine, HashSet<long> other, string set)
        {
            while (want > 0 && queues.Any(q => q.Count > 0))
                foreach (var q in queues)
                {
                    if (want == 0) break;
                    while (q.Count > 0)
                    {
                        var e = q.Dequeue();
                        if (other.Contains(e.ContextId) || mine.Contains(e.ContextId)) continue;
                        mine.Add(e.ContextId);
                        into.Add(Make(f.Id, set, ExampleKinds.Quantile, e.ContextId, e.Start, e.QuantileBin, window, e.PeakPosition));
                        want--;
                        break;
                    }
                }
        }
    }

    private int DrawNegatives(int feature, int want, int window, List<LabelingExample> into, HashSet<long> mine, HashSet<long> other)
    {
        long contexts = cache.Info.Contexts;
        var rng = new Rng(Mix(options.Seed, (ulong)feature, 0xA11u));
        int added = 0;
        for (int attempt = 0; attempt < want * 20 && added < want && mine.Count + other.Count < contexts; attempt++)
        {
            long c = rng.NextInt64(0, contexts);
            if (mine.Contains(c) || other.Contains(c)) continue;
            if (cache.FeatureActivations(feature, c).Any(a => a > 0)) continue;
            mine.Add(c);
            int start = rng.NextInt(Math.Max(1, cache.Info.ContextLength - window + 1));
            into.Add(Make(feature, ExampleSets.Score, ExampleKinds.Random, c, start, null, window, peak: null));
            added++;
        }
        return added;
    }

    private void HardNegatives(int feature, int window, List<LabelingExample> into, HashSet<long> mine, HashSet<long> other)
    {
        int added = 0;
        foreach (var n in neighbours!.Nearest(feature, options.Neighbours))
        {
            foreach (var e in cache.Feature(n).TopExamples.OrderBy(e => e.Rank))
            {
                if (added == options.HardNegatives) return;
                if (mine.Contains(e.ContextId) || other.Contains(e.ContextId)) continue;
                var w = Make(feature, ExampleSets.Score, ExampleKinds.HardNegative, e.ContextId, e.Start, null, window, e.PeakPosition);
                if (w.IsActivating) continue;
                mine.Add(e.ContextId);
                into.Add(w);
                added++;
            }
        }
    }

    /// <summary>A window of <paramref name="window"/> tokens of the context: around <paramref name="peak"/> (three quarters
    /// of it before the peak, where a causal model's evidence sits), else from <paramref name="start"/>; clamped inside.</summary>
    private LabelingExample Make(int feature, string set, string kind, long context, int start, int? bin, int window, int? peak)
    {
        if (!_tokens.TryGetValue(context, out var ids)) _tokens[context] = ids = cache.ContextTokens(context);
        int len = ids.Length, w = Math.Min(window, len);
        int s = peak is int p && p >= 0 ? p - (w - 1 - w / 4) : start;
        s = Math.Clamp(s, 0, len - w);
        var acts = cache.FeatureActivations(feature, context);
        var winIds = ids.AsSpan(s, w).ToArray();
        return new LabelingExample(set, kind, context, s, bin, winIds, winIds.Select(cache.TokenString).ToArray(), acts.AsSpan(s, w).ToArray());
    }

    internal static ulong Mix(ulong seed, ulong a, ulong b)
    {
        ulong s = seed ^ (a * 0x9E3779B97F4A7C15UL) ^ (b * 0xC2B2AE3D27D4EB4FUL);
        return Rng.SplitMix64(ref s);
    }
}

// What the latent cache knows about one SAE feature, as LatentCache.Feature returns it: firing statistics, a histogram,
// quantile bin edges, and example windows (top-activating, per-quantile samples, random non-activating contexts) with
// token strings and the feature's per-token activations. Plain data; reading is LatentCache.cs.
namespace Interp.Dictionaries.Cache;

public enum ExampleKind { Top = 0, Quantile = 1, RandomNegative = 2 }

/// <summary>A window of one context. <see cref="PeakIndex"/> indexes <see cref="Tokens"/>/<see cref="Activations"/>: the
/// context's peak for top examples, the sampled token for quantile examples, -1 for random negatives.</summary>
/// <param name="Rank">order within its kind (top: 0 = highest peak; quantile: within its bin by value, highest first)</param>
/// <param name="QuantileBin">quantile examples: their bin (0 = lowest activations); otherwise null</param>
/// <param name="ContextId">the context's index in the corpus (0-based, in corpus order)</param>
/// <param name="Start">position in the context of the window's first token</param>
/// <param name="PeakPosition">position in the context of the peak / sampled token; -1 for random negatives</param>
/// <param name="PeakValue">the feature's activation there (0 for random negatives)</param>
/// <param name="TokenIds">the window's token ids</param>
/// <param name="Tokens">display strings of the window's tokens (`[id]` when the cache was built without a tokenizer)</param>
/// <param name="Activations">the feature's activation at each window token</param>
public sealed record CacheExample(ExampleKind Kind, int Rank, int? QuantileBin, long ContextId, int Start, int PeakIndex, int PeakPosition,
    double PeakValue, IReadOnlyList<int> TokenIds, IReadOnlyList<string> Tokens, IReadOnlyList<float> Activations);

/// <summary>Counts of the feature's non-zero activations in <c>Counts.Count</c> equal-width bins over [0, Max]: bin i holds
/// values in [i·Max/B, (i+1)·Max/B), the last bin also holds Max itself.</summary>
public sealed record FeatureHistogram(double Max, IReadOnlyList<long> Counts)
{
    public double BinWidth => Counts.Count == 0 ? 0 : Max / Counts.Count;
    public double Lower(int bin) => bin * BinWidth;
    public double Upper(int bin) => bin == Counts.Count - 1 ? Max : (bin + 1) * BinWidth;
}

/// <summary>One equal-count bin of the feature's non-zero activations sorted ascending: ranks [Bin·n/Q, (Bin+1)·n/Q)
/// (integer division), with the smallest and largest value in it.</summary>
public sealed record QuantileBin(int Bin, long Count, double Low, double High);

/// <param name="Count">tokens where the feature is non-zero</param>
/// <param name="Density">Count / all tokens in the cache</param>
/// <param name="Max">largest activation (0 for a feature that never fires)</param>
/// <param name="Mean">mean of the non-zero activations (0 for a feature that never fires)</param>
public sealed record CachedFeature(int Id, long Count, long Tokens, double Density, double Max, double Mean,
    FeatureHistogram Histogram, IReadOnlyList<QuantileBin> QuantileBins,
    IReadOnlyList<CacheExample> TopExamples, IReadOnlyList<CacheExample> QuantileExamples, IReadOnlyList<CacheExample> RandomNegatives);

/// <summary>What a cache was built from and how far the build got.</summary>
public sealed record CacheInfo(string Path, string Model, string Sae, string HookName, int DSae, string Corpus, string CorpusKind,
    int ContextLength, long Contexts, long Tokens, long Activations, bool CorpusDone, bool Finalized, IReadOnlyDictionary<string, string> Meta);

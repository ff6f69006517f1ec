// The settings of a latent-cache build: how the corpus is cut into contexts and batched (these fix the stored rows, so a
// resume must use the same context length), and what finalize keeps per feature (these may change between runs: finalize
// then recomputes). Not the inputs themselves (CacheInputs) nor the corpus reader (Corpus.cs).
using System.Text.Json;

namespace Interp.Dictionaries.Cache;

/// <param name="ContextLength">tokens per context; the corpus token stream is cut into consecutive contexts of this length</param>
/// <param name="BatchSize">contexts per forward pass and per committed transaction</param>
/// <param name="TopK">top-activating contexts kept per feature (ranked by the context's peak activation)</param>
/// <param name="Quantiles">equal-count bins the feature's non-zero activations are split into</param>
/// <param name="PerQuantile">samples drawn per quantile bin</param>
/// <param name="RandomNegatives">contexts drawn per feature among those where it never fires</param>
/// <param name="Window">tokens stored around each example's peak (the whole context when it is shorter)</param>
/// <param name="Seed">seed of every random choice (quantile samples, negatives, negative windows)</param>
/// <param name="HistogramBins">linear bins over [0, max] of the feature's non-zero activations</param>
/// <param name="FinalizeChunk">features finalized per committed transaction (no effect on the results)</param>
/// <param name="FinalizeMemory">bytes finalize may hold for activations (8 per activation); features beyond it are done in
/// further passes over the contexts (no effect on the results)</param>
public sealed record LatentCacheOptions(
    int ContextLength = 64, int BatchSize = 32, int TopK = 20, int Quantiles = 10, int PerQuantile = 5,
    int RandomNegatives = 10, int Window = 16, ulong Seed = 0, int HistogramBins = 20, int FinalizeChunk = 256,
    long FinalizeMemory = 1L << 30)
{
    /// <summary>Throws ArgumentException naming the first setting out of range.</summary>
    public void Validate()
    {
        Check(ContextLength >= 1, $"context length must be >= 1 (got {ContextLength})");
        Check(BatchSize >= 1, $"batch must be >= 1 context (got {BatchSize})");
        Check(TopK >= 0, $"top must be >= 0 (got {TopK})");
        Check(Quantiles >= 1, $"quantiles must be >= 1 (got {Quantiles})");
        Check(PerQuantile >= 0, $"per-quantile must be >= 0 (got {PerQuantile})");
        Check(RandomNegatives >= 0, $"random must be >= 0 (got {RandomNegatives})");
        Check(Window >= 1, $"window must be >= 1 token (got {Window})");
        Check(HistogramBins >= 1, $"histogram bins must be >= 1 (got {HistogramBins})");
        Check(FinalizeChunk >= 1, $"finalize chunk must be >= 1 feature (got {FinalizeChunk})");
        Check(FinalizeMemory >= 1, $"finalize memory must be >= 1 byte (got {FinalizeMemory})");
    }

    /// <summary>The settings finalize depends on, as stored in the cache's meta table (a change triggers a recompute).</summary>
    internal string FinalizeKey() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["top"] = TopK, ["quantiles"] = Quantiles, ["per_quantile"] = PerQuantile, ["random"] = RandomNegatives,
        ["window"] = Window, ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), ["histogram_bins"] = HistogramBins,
    });

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new ArgumentException($"latent cache: {what}.");
    }
}

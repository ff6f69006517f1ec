// The feature page's data, as the API returns it and the UI draws it: labels, scores with CIs, statistics, histogram,
// top and quantile examples with per-token activations, promoted and suppressed tokens, decoder-direction neighbours.
// Plain data (snake_case JSON through ServeJson).
using Interp.Index.Records;

namespace Interp.Serve.Features;

public sealed record FeatureView(
    string Sae, int Feature, string? Hook, int DSae,
    IReadOnlyList<LabelView> Labels, IReadOnlyList<ScoreView> Scores,
    StatsView? Stats, HistogramView? Histogram,
    IReadOnlyList<ExampleView> TopExamples, IReadOnlyList<ExampleView> QuantileExamples,
    IReadOnlyList<TokenEffect> Promoted, IReadOnlyList<TokenEffect> Suppressed,
    IReadOnlyList<NeighbourView> Neighbours, IReadOnlyList<StageFailure> Failures,
    bool HasCache, bool Indexed);

public sealed record LabelView(string Text, string Explainer, string? LlmModel, string? PromptVersion);

public sealed record ScoreView(string Method, string Capability, double Value, double CiLow, double CiHigh, string? LlmModel);

public sealed record StatsView(long Count, long Tokens, double Density, double Max, double Mean);

/// <param name="Counts">counts in equal-width bins over [0, Max]</param>
public sealed record HistogramView(double Max, IReadOnlyList<long> Counts);

/// <param name="Kind">top | quantile</param>
/// <param name="Bin">the quantile bin (quantile examples)</param>
/// <param name="Peak">index in Tokens of the peak / sampled token</param>
public sealed record ExampleView(string Kind, int? Bin, long ContextId, int Peak, double PeakValue, IReadOnlyList<string> Tokens, IReadOnlyList<float> Activations);

/// <param name="Cosine">cosine of the decoder directions</param>
public sealed record NeighbourView(int Feature, double Cosine, string? Label);

/// <summary>One search hit (a row of the search page).</summary>
public sealed record SearchHitView(string? Sae, string SaeName, int Feature, double Score, string? Label, double? HeadlineScore, double? Density);

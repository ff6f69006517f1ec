// One example window used by a labeling run: a stretch of one cached context with the feature's activation at each of
// its tokens, which set it belongs to (explain or score) and how it was chosen (top, quantile, random, hard negative).
// Plain data, stored as JSON in the run store; selection is ExampleSelector.
using System.Text.Json.Serialization;
using Interp.Index.Records;

namespace Interp.Agent.Labeling.Examples;

public static class ExampleKinds
{
    public const string Top = "top", Quantile = "quantile", Random = "random", HardNegative = "hard_negative";
}

public static class ExampleSets
{
    public const string Explain = "explain", Score = "score";
}

/// <param name="Set">explain | score (the two never share a context)</param>
/// <param name="Kind">top | quantile | random | hard_negative</param>
/// <param name="ContextId">the context's index in the latent cache's corpus</param>
/// <param name="Start">position in the context of the window's first token</param>
/// <param name="QuantileBin">quantile examples: the cache's quantile bin (0 = lowest activations); otherwise null</param>
/// <param name="TokenIds">[window]</param>
/// <param name="Tokens">[window] display strings</param>
/// <param name="Activations">[window] the feature's activation at each token (all 0 for negatives)</param>
public sealed record LabelingExample(string Set, string Kind, long ContextId, int Start, int? QuantileBin,
    int[] TokenIds, string[] Tokens, float[] Activations)
{
    /// <summary>Whether the feature fires anywhere in the window.</summary>
    [JsonIgnore] public bool IsActivating => Activations.Any(a => a > 0);

    [JsonIgnore] public float Max => Activations.Length == 0 ? 0 : Activations.Max();

    /// <summary>The window's text: its token strings joined as they are.</summary>
    [JsonIgnore] public string Text => string.Concat(Tokens);

    public ExampleRef ToRef() => new(ContextId, Start, TokenIds.Length, Set, Kind);
}

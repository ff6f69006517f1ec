// How many example windows of each kind a labeling run takes per feature, how long they are, and the seed of every
// random choice. Plain settings; ExampleSelector applies them.
namespace Interp.Agent.Labeling.Examples;

/// <param name="Window">tokens per example window, cut from the cached context around the example's peak (at most the
/// cache's context length)</param>
/// <param name="ExplainTop">top-activating contexts in the explain set (the cache's ranks 0, 2, 4, …)</param>
/// <param name="ExplainQuantile">quantile-sampled windows in the explain set (round-robin over the cache's bins, highest first)</param>
/// <param name="ScoreTop">top-activating contexts in the score set (ranks 1, 3, 5, …)</param>
/// <param name="ScoreQuantile">quantile-sampled windows in the score set</param>
/// <param name="ScoreRandom">random windows where the feature does not fire, in the score set</param>
/// <param name="HardNegatives">windows where a decoder-similar feature fires and this one does not, in the score set</param>
/// <param name="Neighbours">decoder-similar features searched for hard negatives</param>
/// <param name="Seed">seed of the quantile picks, the extra random negatives and the scorers' bootstrap</param>
public sealed record ExampleOptions(int Window = 24, int ExplainTop = 10, int ExplainQuantile = 10, int ScoreTop = 10,
    int ScoreQuantile = 20, int ScoreRandom = 10, int HardNegatives = 0, int Neighbours = 4, ulong Seed = 0)
{
    /// <summary>Throws ArgumentException naming the first setting out of range.</summary>
    public void Validate()
    {
        Check(Window is >= 1 and <= 4096, $"window must be 1..4096 tokens (got {Window})");
        Check(ExplainTop >= 0 && ExplainQuantile >= 0 && ExplainTop + ExplainQuantile >= 1,
            $"the explain set needs at least one example (top {ExplainTop}, quantile {ExplainQuantile})");
        Check(ScoreTop >= 0 && ScoreQuantile >= 0 && ScoreTop + ScoreQuantile >= 1,
            $"the score set needs at least one activating example (top {ScoreTop}, quantile {ScoreQuantile})");
        Check(ScoreRandom >= 0 && HardNegatives >= 0, $"negatives must be >= 0 (random {ScoreRandom}, hard {HardNegatives})");
        Check(Neighbours >= 1, $"neighbours must be >= 1 (got {Neighbours})");
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new ArgumentException($"example selection: {what}.");
    }
}

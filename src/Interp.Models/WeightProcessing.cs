// Which TransformerLens weight transformations were applied when a model was loaded. Off by default;
// recorded with every result so numbers from folded and unfolded models are never mixed up.
namespace Interp.Models;

public sealed record WeightProcessing(bool FoldLn = false, bool CenterWritingWeights = false, bool CenterUnembed = false, bool FoldValueBiases = false)
{
    public static readonly WeightProcessing None = new();

    public override string ToString()
    {
        var on = new List<string>();
        if (FoldLn) on.Add("fold_ln");
        if (CenterWritingWeights) on.Add("center_writing_weights");
        if (CenterUnembed) on.Add("center_unembed");
        if (FoldValueBiases) on.Add("fold_value_biases");
        return on.Count == 0 ? "none" : string.Join(",", on);
    }
}

// TransformerLens weight processing (fold_ln, center_writing_weights, center_unembed, fold_value_biases).
// PLACEHOLDER until implemented: refuses rather than silently returning an unprocessed model.
namespace Interp.Models;

public static class WeightProcessor
{
    public static void Apply(HookedTransformer model, WeightProcessing p) =>
        throw new NotSupportedException($"weight processing ({p}) is not implemented yet; load with WeightProcessing.None.");
}

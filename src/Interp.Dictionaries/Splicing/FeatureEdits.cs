// Ready-made edits for an SAE's hook_sae_acts_post ([batch, pos, d_sae]): ablate features, clamp them to a value,
// or add to them (steering in feature space). Each is a HookFn built from ops, so gradients flow through it; each
// runs in its own TensorScope (Interventions.Scoped), keeping only its result.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries;

public static class FeatureEdits
{
    /// <summary>Sets <paramref name="features"/> to 0 at <paramref name="positions"/> (null = all; negative counts from the end).</summary>
    public static HookFn Ablate(int[] features, int[]? positions = null) => Clamp(features, 0, positions);

    /// <summary>Sets <paramref name="features"/> to <paramref name="value"/> at <paramref name="positions"/> (null = all).</summary>
    public static HookFn Clamp(int[] features, double value, int[]? positions = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Interventions.Scoped((acts, _) => TensorOps.MaskedFill(acts, new Selection(positions, null, features).Mask(acts), value));
    }

    /// <summary>Adds <paramref name="amount"/> to <paramref name="features"/> at <paramref name="positions"/> (null = all).</summary>
    public static HookFn Add(int[] features, double amount, int[]? positions = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Interventions.Scoped((acts, _) => acts + new Selection(positions, null, features).Mask(acts) * amount);
    }
}

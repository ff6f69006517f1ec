// Ready-made hooks: zero / mean / resample ablation, head and neuron ablation, activation patching
// from a cached run, and steering. Each returns a HookFn; edits are built from ops so gradients flow.
// Each runs in its own TensorScope (Scoped): its temporaries are freed at once, its result goes to the caller's scope.
using Interp.Tensors;

namespace Interp.Models;

public static class Interventions
{
    /// <summary><paramref name="fn"/> run in its own TensorScope: what it makes is freed when it returns, except the
    /// tensor it returns (which, as any callback's, belongs to the caller's scope). For hooks that build temporaries.</summary>
    public static HookFn Scoped(HookFn fn) => (x, name) =>
    {
        using var scope = TensorScope.Begin();
        var r = fn(x, name);
        return r is null ? null : scope.Keep(r);
    };

    /// <summary>Replaces the selected slice with zeros.</summary>
    public static HookFn ZeroAblate(Selection? where = null) => Scoped((x, _) => Blend(x, Tensor.Zeros(x.DType, x.Shape), where ?? Selection.All));

    /// <summary>Replaces the selected slice with a mean activation broadcastable to the hook's shape
    /// (e.g. [d] or [pos, d] averaged over a reference dataset). Without one, the mean over batch and positions of this run.</summary>
    public static HookFn MeanAblate(Tensor? mean = null, Selection? where = null) => Scoped((x, name) =>
    {
        if (mean is not null) CheckBroadcastable(mean, x, name);
        var m = mean is not null ? mean.Detach() : TensorOps.Mean(x.Detach(), new[] { 0, 1 }, keepDim: false);   // [...] over batch and positions
        return Blend(x, TensorOps.Expand(m, x.Shape), where ?? Selection.All);
    });

    /// <summary>Replaces the selected slice with the same hook's activation from another input (same shape).</summary>
    public static HookFn ResampleAblate(Tensor source, Selection? where = null) => Scoped((x, name) =>
    {
        if (!ShapeUtil.SameShape(source.Shape, x.Shape))
            throw new ArgumentException($"resample source for '{name}' has shape [{ShapeUtil.Str(source.Shape)}] but the activation has [{ShapeUtil.Str(x.Shape)}].");
        return Blend(x, source, where ?? Selection.All);
    });

    /// <summary>Zero-ablates attention heads (use at blocks.L.attn.hook_z).</summary>
    public static HookFn AblateHeads(int[] heads, Selection? positions = null) =>
        ZeroAblate((positions ?? Selection.All) with { Heads = heads });

    /// <summary>Zero-ablates neurons (last axis; use at mlp.hook_post or any [batch, pos, d] hook).</summary>
    public static HookFn AblateNeurons(int[] neurons, Selection? positions = null) =>
        ZeroAblate((positions ?? Selection.All) with { Features = neurons });

    /// <summary>Activation patching: copies the cached activation of a (clean) run into this (corrupted) run.</summary>
    public static HookFn Patch(ActivationCache source, Selection? where = null) => Scoped((x, name) =>
    {
        if (!source.Contains(name)) throw new ArgumentException($"the source cache has no '{name}'; cache it in the clean run first.");
        var s = source[name];
        if (!ShapeUtil.SameShape(s.Shape, x.Shape))
            throw new ArgumentException($"patch source for '{name}' has shape [{ShapeUtil.Str(s.Shape)}] but the activation has [{ShapeUtil.Str(x.Shape)}]; clean and corrupted prompts must have the same length.");
        return Blend(x, s, where ?? Selection.All);
    });

    /// <summary>Steering: adds coefficient × vector ([d] on the last axis) at the selected positions.</summary>
    public static HookFn Steer(Tensor vector, double coefficient, int[]? positions = null) => Scoped((x, name) =>
    {
        if (vector.Rank != 1 || vector.Shape[0] != x.Shape[^1])
            throw new ArgumentException($"steering vector must have shape [{x.Shape[^1]}] for '{name}', got [{ShapeUtil.Str(vector.Shape)}].");
        var scaled = vector * coefficient;
        if (positions is null) return x + scaled;                      // every position: a broadcast add, no mask
        return x + new Selection(positions).Mask(x) * scaled;
    });

    /// <summary>The selected slice becomes the replacement exactly; the rest is x untouched (gradients flow to both).</summary>
    private static Tensor Blend(Tensor x, Tensor replacement, Selection where) => TensorOps.Where(where.Mask(x), replacement, x);

    private static void CheckBroadcastable(Tensor mean, Tensor x, string name)
    {
        bool ok = mean.DType == x.DType && mean.Rank <= x.Rank;
        for (int i = 1; ok && i <= mean.Rank; i++) ok = mean.Shape[^i] == 1 || mean.Shape[^i] == x.Shape[^i];
        if (!ok)
            throw new ArgumentException($"mean for '{name}' is {mean.DType} [{ShapeUtil.Str(mean.Shape)}] but must broadcast to the activation, {x.DType} [{ShapeUtil.Str(x.Shape)}]; " +
                $"give e.g. [{x.Shape[^1]}] (one vector) or [{ShapeUtil.Str(x.Shape.AsSpan(1))}] (per position) in {x.DType}.");
    }
}

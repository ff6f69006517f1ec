// How an SAE reads a model hook: the hook's width per token, and whether it has a head axis ([.., heads, d_head]
// hooks are flattened to heads·d_head, or one head is read when hook_head_index is set). Read from the hook's
// record in the model's HookTable (its dims), so no hook name is spelled or parsed here.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries;

internal sealed record HookLayout(int Width, int Heads, int DHead, int? HeadIndex)
{
    public bool HasHeads => Heads > 0;

    /// <summary>The layout of <paramref name="hook"/>; throws for hooks an SAE cannot read (attention scores and
    /// patterns, whose last axis is key positions, and points a splice added).</summary>
    public static HookLayout Describe(HookPoint hook, int? headIndex)
    {
        if (hook.SplicedAt is not null || hook.Width is not { } width)
            throw new ArgumentException(hook.SplicedAt is null
                ? $"an SAE cannot be spliced at '{hook.Name}': its shape is {hook.Shape}, whose last axis is key positions, not features."
                : $"'{hook.Name}' is a point spliced at '{hook.SplicedAt}', not a model hook an SAE can read.");
        var found = hook.HasHeadAxis ? new HookLayout(width, hook.Dims[2].Size!.Value, hook.Dims[3].Size!.Value, null) : new HookLayout(width, 0, 0, null);
        if (headIndex is not { } hi) return found;
        if (!found.HasHeads) throw new ArgumentException($"hook_head_index = {hi} but '{hook.Name}' ({hook.Shape}) has no head axis; only attn.hook_q/k/v/z take a head index.");
        if (hi >= found.Heads) throw new ArgumentException($"hook_head_index = {hi} but '{hook.Name}' has {found.Heads} heads (0..{found.Heads - 1}).");
        return found with { Width = found.DHead, HeadIndex = hi };
    }

    /// <summary>The SAE's input from the hook's activation: act itself, or a view ([.., heads·d_head] or one head's
    /// [.., d_head]) in the caller's TensorScope. Graph-preserving.</summary>
    public Tensor Read(Tensor act, string hook)
    {
        if (!HasHeads) return act;
        if (act.Rank != 4) throw new InvalidOperationException($"'{hook}' should be [batch, pos, heads, d_head]; got [{ShapeUtil.Str(act.Shape)}].");
        return HeadIndex is { } h ? act.Select(2, h) : act.Reshape(act.Shape[0], act.Shape[1], act.Shape[2] * act.Shape[3]);
    }

    /// <summary>The activation the model continues with, in the hook's shape, from the SAE side's output (both borrowed;
    /// the result and any pieces are in the caller's TensorScope).</summary>
    public Tensor Write(Tensor act, Tensor output)
    {
        if (!HasHeads) return output;
        if (HeadIndex is not { } h) return output.Reshape(act.Shape);
        int heads = act.Shape[2];
        var parts = new List<Tensor>();
        if (h > 0) parts.Add(act.Narrow(2, 0, h));
        parts.Add(output.Unsqueeze(2));
        if (h < heads - 1) parts.Add(act.Narrow(2, h + 1, heads - h - 1));
        return TensorOps.Cat(parts, 2);
    }

    /// <summary>The part of the hook an SAE covers, for ablations: one head, or everything.</summary>
    public Selection Covered => HeadIndex is { } h ? new Selection(Heads: new[] { h }) : Selection.All;
}

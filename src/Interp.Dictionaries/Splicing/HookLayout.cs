// How an SAE reads a model hook: the hook's width per token, and whether it has a head axis ([.., heads, d_head]
// hooks are flattened to heads·d_head, or one head is read when hook_head_index is set). Found from the model's
// LayerHooks fields, so no hook name is spelled here.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries;

internal sealed record HookLayout(int Width, int Heads, int DHead, int? HeadIndex)
{
    public bool HasHeads => Heads > 0;

    /// <summary>The layout of <paramref name="hook"/> in a model with <paramref name="cfg"/>; throws for hooks an SAE
    /// cannot read (attention scores and patterns, whose last axis is key positions).</summary>
    public static HookLayout Describe(ModelConfig cfg, string hook, int? headIndex)
    {
        HookLayout? found = null;
        if (hook == HookNames.Embed || hook == HookNames.PosEmbed || hook == HookNames.LnFinalNormalized) found = Vector(cfg.DModel);
        else if (hook == HookNames.LnFinalScale) found = Vector(1);
        for (int l = 0; found is null && l < cfg.NLayers; l++)
        {
            var h = new LayerHooks(l, cfg);
            if (hook == h.ResidPre || hook == h.ResidMid || hook == h.ResidPost || hook == h.AttnOut || hook == h.MlpOut
                || hook == h.Ln1Normalized || hook == h.Ln2Normalized) found = Vector(cfg.DModel);
            else if (hook == h.Ln1Scale || hook == h.Ln2Scale) found = Vector(1);
            else if (hook == h.MlpPre || hook == h.MlpPreLinear || hook == h.MlpPost) found = Vector(cfg.DMlp);
            else if (hook == h.Q || hook == h.RotQ || hook == h.Z) found = new HookLayout(cfg.NHeads * cfg.DHead, cfg.NHeads, cfg.DHead, null);
            else if (hook == h.K || hook == h.V || hook == h.RotK) found = new HookLayout(cfg.NKvHeads * cfg.DHead, cfg.NKvHeads, cfg.DHead, null);
            else if (hook == h.AttnScores || hook == h.Pattern)
                throw new ArgumentException($"an SAE cannot be spliced at '{hook}': its last axis is key positions, not features.");
        }
        if (found is null) throw new ArgumentException($"'{hook}' is not a hook of this {cfg.ModelType} model an SAE can read.");
        if (headIndex is not { } hi) return found;
        if (!found.HasHeads) throw new ArgumentException($"hook_head_index = {hi} but '{hook}' has no head axis; only attn.hook_q/k/v/z take a head index.");
        if (hi >= found.Heads) throw new ArgumentException($"hook_head_index = {hi} but '{hook}' has {found.Heads} heads (0..{found.Heads - 1}).");
        return found with { Width = found.DHead, HeadIndex = hi };
    }

    private static HookLayout Vector(int width) => new(width, 0, 0, null);

    /// <summary>The SAE's input from the hook's activation: act itself, or a view the caller owns ([.., heads·d_head]
    /// or one head's [.., d_head]). Graph-preserving.</summary>
    public Tensor Read(Tensor act, string hook)
    {
        if (!HasHeads) return act;
        if (act.Rank != 4) throw new InvalidOperationException($"'{hook}' should be [batch, pos, heads, d_head]; got [{ShapeUtil.Str(act.Shape)}].");
        return HeadIndex is { } h ? act.Select(2, h) : act.Reshape(act.Shape[0], act.Shape[1], act.Shape[2] * act.Shape[3]);
    }

    /// <summary>The activation the model continues with, in the hook's shape, from the SAE side's output (taken over).</summary>
    public Tensor Write(Tensor act, Tensor output)
    {
        if (!HasHeads) return output;
        using (output)
        {
            if (HeadIndex is not { } h) return output.Reshape(act.Shape);
            int heads = act.Shape[2];
            var parts = new List<Tensor>();
            try
            {
                if (h > 0) parts.Add(act.Narrow(2, 0, h));
                parts.Add(output.Unsqueeze(2));
                if (h < heads - 1) parts.Add(act.Narrow(2, h + 1, heads - h - 1));
                return TensorOps.Cat(parts, 2);
            }
            finally { foreach (var p in parts) p.Dispose(); }
        }
    }

    /// <summary>The part of the hook an SAE covers, for ablations: one head, or everything.</summary>
    public Selection Covered => HeadIndex is { } h ? new Selection(Heads: new[] { h }) : Selection.All;
}

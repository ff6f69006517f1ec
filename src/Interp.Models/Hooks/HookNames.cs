// The one place that spells TransformerLens hook names. Everything else asks this class for them.
namespace Interp.Models;

public static class HookNames
{
    public const string Embed = "hook_embed";
    public const string PosEmbed = "hook_pos_embed";
    public const string LnFinalScale = "ln_final.hook_scale";
    public const string LnFinalNormalized = "ln_final.hook_normalized";

    /// <summary>Every hook name the model exposes, in the order a forward pass reaches them.</summary>
    public static IReadOnlyList<string> Ordered(ModelConfig cfg)
    {
        var list = new List<string> { Embed };
        if (cfg.Positions == PositionKind.Learned) list.Add(PosEmbed);
        for (int l = 0; l < cfg.NLayers; l++) list.AddRange(new LayerHooks(l, cfg).InOrder());
        list.Add(LnFinalScale);
        list.Add(LnFinalNormalized);
        return list;
    }
}

/// <summary>Precomputed hook names of one block (built once per model, so forward passes do no string work).</summary>
public sealed class LayerHooks
{
    public readonly int Layer;
    public readonly string ResidPre, Ln1Scale, Ln1Normalized, Q, K, V, RotQ, RotK, AttnScores, Pattern, Z, AttnOut,
        ResidMid, Ln2Scale, Ln2Normalized, MlpPre, MlpPreLinear, MlpPost, MlpOut, ResidPost;
    private readonly bool _rotary, _gated, _parallel;

    public LayerHooks(int l, ModelConfig cfg)
    {
        Layer = l;
        string b = $"blocks.{l}.";
        ResidPre = b + "hook_resid_pre";
        Ln1Scale = b + "ln1.hook_scale"; Ln1Normalized = b + "ln1.hook_normalized";
        Q = b + "attn.hook_q"; K = b + "attn.hook_k"; V = b + "attn.hook_v";
        RotQ = b + "attn.hook_rot_q"; RotK = b + "attn.hook_rot_k";
        AttnScores = b + "attn.hook_attn_scores"; Pattern = b + "attn.hook_pattern"; Z = b + "attn.hook_z";
        AttnOut = b + "hook_attn_out"; ResidMid = b + "hook_resid_mid";
        Ln2Scale = b + "ln2.hook_scale"; Ln2Normalized = b + "ln2.hook_normalized";
        MlpPre = b + "mlp.hook_pre"; MlpPreLinear = b + "mlp.hook_pre_linear"; MlpPost = b + "mlp.hook_post";
        MlpOut = b + "hook_mlp_out"; ResidPost = b + "hook_resid_post";
        _rotary = cfg.Positions == PositionKind.Rotary; _gated = cfg.GatedMlp; _parallel = cfg.ParallelResidual;
    }

    public IEnumerable<string> InOrder()
    {
        yield return ResidPre; yield return Ln1Scale; yield return Ln1Normalized;
        yield return Q; yield return K; yield return V;
        if (_rotary) { yield return RotQ; yield return RotK; }
        yield return AttnScores; yield return Pattern; yield return Z; yield return AttnOut;
        if (!_parallel) yield return ResidMid;
        yield return Ln2Scale; yield return Ln2Normalized;
        yield return MlpPre;
        if (_gated) yield return MlpPreLinear;
        yield return MlpPost; yield return MlpOut; yield return ResidPost;
    }
}

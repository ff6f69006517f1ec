// The output side of a feature, as Neuronpedia shows it: the tokens its decoder direction promotes and suppresses when
// read straight through the unembedding, logit(v) = Σ_i W_dec[f, i] · γ_i · W_U[i, v] with γ the final norm's weight
// (the direct path only: later layers and the norm's scale are ignored). Only for SAEs on the residual stream (or a
// sublayer's output written to it) with d_in = d_model; otherwise there is no direct path and the lists stay empty.
using System.Numerics.Tensors;
using Interp.Dictionaries;
using Interp.Index.Records;
using Interp.Models;

namespace Interp.Agent.Labeling;

public sealed class OutputEffects
{
    private readonly float[]? _unembed;   // [d_vocab, d_model], rows scaled by γ
    private readonly float[]? _decoder;   // [d_sae, d_model]
    private readonly int _dModel, _dVocab;

    /// <summary>Why there are no effects for this SAE (null when there are).</summary>
    public string? Unavailable { get; }

    public OutputEffects(HookedTransformer model, Sae sae)
    {
        var c = model.Config;
        _dModel = c.DModel; _dVocab = c.DVocab;
        string hook = sae.Cfg.HookName;
        // the model's hook table says what the SAE reads: a point on (or added into) the residual stream
        bool residual = model.HookTable.TryGet(hook, out var point) && point.Kind is HookKind.ResidPre or HookKind.ResidMid or HookKind.ResidPost
                        or HookKind.AttnOut or HookKind.MlpOut or HookKind.Embed;
        if (!residual || sae.DIn != c.DModel)
        {
            Unavailable = $"the SAE reads '{hook}' (d_in {sae.DIn}), not the residual stream (d_model {c.DModel}); no direct path to the unembedding";
            return;
        }
        var roles = model.Arch.Roles();
        var p = model.Parameters;
        bool own = p.TryGetValue(roles.Unembed.Weight, out var wu);
        if (!own && (roles.TiedTo is null || !p.TryGetValue(roles.TiedTo, out wu)))
        {
            Unavailable = $"the model has no unembedding '{roles.Unembed.Weight}'";
            return;
        }
        var w = wu!.ToArray();
        // Stored [d_vocab, d_model] for nn.Linear / lm_head and for tied embedding tables; [d_model, d_vocab] otherwise.
        bool vocabRows = !own || roles.Unembed.OutIn;
        var u = new float[_dVocab * _dModel];
        for (int v = 0; v < _dVocab; v++)
            for (int i = 0; i < _dModel; i++) u[v * _dModel + i] = vocabRows ? w[v * _dModel + i] : w[i * _dVocab + v];
        if (p.TryGetValue(roles.LnFinal.Weight, out var g))
        {
            var gamma = g.ToArray();
            for (int v = 0; v < _dVocab; v++) TensorPrimitives.Multiply(u.AsSpan(v * _dModel, _dModel), gamma, u.AsSpan(v * _dModel, _dModel));
        }
        _unembed = u;
        _decoder = sae.WDec.ToArray();
    }

    /// <summary>The <paramref name="k"/> most promoted and most suppressed tokens of <paramref name="feature"/>, largest
    /// effect first, with display strings from <paramref name="tokenString"/>.</summary>
    public (IReadOnlyList<TokenEffect> Promoted, IReadOnlyList<TokenEffect> Suppressed) Top(int feature, int k, Func<int, string> tokenString)
    {
        if (_unembed is null || _decoder is null) return ([], []);
        var d = _decoder.AsSpan(feature * _dModel, _dModel);
        var logits = new (double Logit, int Token)[_dVocab];
        for (int v = 0; v < _dVocab; v++) logits[v] = (TensorPrimitives.Dot(d, _unembed.AsSpan(v * _dModel, _dModel)), v);
        var up = logits.OrderByDescending(x => x.Logit).ThenBy(x => x.Token).Take(k);
        var down = logits.OrderBy(x => x.Logit).ThenBy(x => x.Token).Take(k);
        return (up.Select(x => new TokenEffect(x.Token, tokenString(x.Token), Math.Round(x.Logit, 6))).ToList(),
                down.Select(x => new TokenEffect(x.Token, tokenString(x.Token), Math.Round(x.Logit, 6))).ToList());
    }
}

// Which SAE features a text turns on: runs the model only as far as the SAE's hook, encodes every position, and ranks
// features by their largest activation over the text (with where it peaked and on how many tokens it fired). The
// library method behind `interp search --activating` and, later, the agent's tool; `inspect` shows the per-token view.
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Dictionaries.Analysis;

/// <param name="Max">the largest activation over the text</param>
/// <param name="MaxPosition">the token position of that peak</param>
/// <param name="Firing">positions where the feature is non-zero</param>
/// <param name="Mean">mean activation over the positions where it fires</param>
public sealed record ActiveFeature(int Feature, float Max, int MaxPosition, int Firing, float Mean);

/// <param name="Tokens">the text's tokens as strings (after truncation to the model's context)</param>
public sealed record ActiveFeaturesResult(string Hook, IReadOnlyList<string> Tokens, IReadOnlyList<ActiveFeature> Features);

public static class ActiveFeatures
{
    /// <summary>The <paramref name="top"/> features of <paramref name="sae"/> with the largest activation anywhere in
    /// <paramref name="text"/>, largest first; features that never fire are left out.</summary>
    public static ActiveFeaturesResult Compute(HookedTransformer model, ITokenizer tokenizer, Sae sae, string text, int top = 10)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("the text is empty; give a sentence to run through the model.");
        var ids = tokenizer.Encode(text, addSpecialTokens: true);
        if (ids.Length == 0) throw new ArgumentException("the text produced no tokens.");
        return Compute(model, sae, ids, top, tokenizer.TokenToString);
    }

    /// <summary>The same for token ids (truncated to the model's context); <paramref name="tokenText"/> names them.</summary>
    public static ActiveFeaturesResult Compute(HookedTransformer model, Sae sae, int[] ids, int top, Func<int, string>? tokenText = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        if (top < 1) throw new ArgumentException($"top {top} must be at least 1.");
        if (ids.Length == 0) throw new ArgumentException("no tokens to run.");
        if (ids.Length > model.Config.NCtx) ids = ids[..model.Config.NCtx];
        var (hook, layout) = SaeSplice.Resolve(model, sae);
        float[] acts;                                                               // [pos, d_sae]
        using (TensorScope.Begin())                                                 // tokens, the hook's activation, its view and the codes
        using (Tensor.NoGrad())
        {
            var tokens = Tensor.FromArray(ids.Select(i => (long)i).ToArray(), 1, ids.Length);
            var act = model.RunToHook(tokens, hook);                                // [1, pos, d] or [1, pos, heads, d_head]
            var x = layout.Read(act, hook);                                         // [1, pos, d_in]
            acts = sae.Encode(x).ToArray();                                         // [1, pos, d_sae]
        }
        int t = ids.Length, d = sae.DSae;
        var found = new List<ActiveFeature>();
        for (int f = 0; f < d; f++)
        {
            float max = 0, sum = 0; int at = -1, firing = 0;
            for (int p = 0; p < t; p++)
            {
                float v = acts[p * d + f];
                if (v == 0) continue;
                firing++; sum += v;
                if (at < 0 || v > max) { max = v; at = p; }
            }
            if (firing > 0 && max > 0) found.Add(new ActiveFeature(f, max, at, firing, sum / firing));
        }
        var ranked = found.OrderByDescending(a => a.Max).ThenBy(a => a.Feature).Take(top).ToList();
        var names = ids.Select(i => tokenText?.Invoke(i) ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new ActiveFeaturesResult(hook, names, ranked);
    }
}

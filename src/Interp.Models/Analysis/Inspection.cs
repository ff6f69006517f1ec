// One-sentence inspection: per position, the model's top next-token predictions, its most active MLP
// neurons, and the attention heads with the largest outputs (with the token each attends to most).
// Pure data; rendering lives in the host (`interp inspect`). Text longer than the model's context is an error unless
// the caller asks to truncate (then it is cut, and the caller is told).
using Interp.Errors;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Models.Analysis;

public sealed record Prediction(int TokenId, string Token, double Probability);
public sealed record NeuronActivation(int Layer, int Neuron, double Value);
public sealed record HeadActivation(int Layer, int Head, double ZNorm, int AttendsTo, double Weight);
public sealed record FeatureActivation(int Feature, double Value);
public sealed record PositionReport(int Position, int TokenId, string Token, IReadOnlyList<Prediction> Predictions,
    IReadOnlyList<NeuronActivation> Neurons, IReadOnlyList<HeadActivation> Heads, IReadOnlyList<FeatureActivation> Features);

/// <summary>A dictionary to read features with: the hook it reads and its encoder ([.., d_in] -> [.., d_sae]).
/// Supplied by the caller, so this assembly needs no dependency on Interp.Dictionaries.</summary>
public sealed record FeatureReader(string HookName, Func<Tensor, Tensor> Encode);

public static class Inspection
{
    public static IReadOnlyList<PositionReport> Run(HookedTransformer model, ITokenizer tokenizer, string text, int topPredictions = 5, int topNeurons = 3, int topHeads = 3,
        FeatureReader? features = null, int topFeatures = 3, bool truncate = false, Action<string>? warn = null)
    {
        if (features is not null) model.ValidateHookName(features.HookName);
        if (string.IsNullOrEmpty(text)) throw new ArgumentException("nothing to inspect: the text is empty.");
        var ids = tokenizer.Encode(text, addSpecialTokens: true);
        if (ids.Length == 0) throw new ArgumentException("the text produced no tokens.");
        if (ids.Length > model.Config.NCtx)
        {
            if (!truncate)
                throw new InterpException($"the text is {ids.Length} tokens long, more than the model's context of {model.Config.NCtx}", null,
                    $"shorten it, or pass --truncate to inspect the first {model.Config.NCtx} tokens");
            warn?.Invoke($"warning: the text is {ids.Length} tokens long; only the first {model.Config.NCtx} (the model's context) are inspected (--truncate).");
            ids = ids[..model.Config.NCtx];
        }
        using var scope = TensorScope.Begin();
        using var noGrad = Tensor.NoGrad();
        var tokens = Tensor.FromArray(ids.Select(i => (long)i).ToArray(), 1, ids.Length);
        var table = model.HookTable;
        int layers = model.Config.NLayers;
        string[] Names(HookKind k) => Enumerable.Range(0, layers).Select(l => table.Name(k, l)).ToArray();
        string[] postNames = Names(HookKind.MlpPost), zNames = Names(HookKind.Z), patNames = Names(HookKind.Pattern);
        var wanted = postNames.Concat(zNames).Concat(patNames).Append(features?.HookName).ToHashSet(StringComparer.Ordinal);
        var (logits, cache) = model.RunWithCache(tokens, wanted.Contains);
        using (cache)
        {
            int t = ids.Length, v = logits.Shape[2], heads = model.Config.NHeads, dh = model.Config.DHead;
            var lg = logits.ToArray();
            var post = postNames.Select(n => cache[n].ToArray()).ToArray();   // [1, pos, d_mlp] per layer
            var z = zNames.Select(n => cache[n].ToArray()).ToArray();         // [1, pos, head, d_head]
            var pat = patNames.Select(n => cache[n].ToArray()).ToArray();     // [1, head, q, k]
            int dMlp = model.Config.DMlp;
            float[]? feats = null; int dSae = 0;
            if (features is not null)
            {
                var f = features.Encode(cache[features.HookName]);   // [1, pos, d_sae]
                dSae = f.Shape[^1];
                feats = f.ToArray();
            }
            var reports = new List<PositionReport>(t);
            for (int p = 0; p < t; p++)
            {
                var row = lg.AsSpan(p * v, v).ToArray();
                float max = float.NegativeInfinity; foreach (var x in row) max = Math.Max(max, x);
                double zsum = 0; foreach (var x in row) zsum += Math.Exp(x - max);
                var preds = Enumerable.Range(0, v).OrderByDescending(i => row[i]).Take(topPredictions)
                    .Select(i => new Prediction(i, tokenizer.TokenToString(i), Math.Exp(row[i] - max) / zsum)).ToList();
                var neurons = new List<NeuronActivation>();
                for (int l = 0; l < layers; l++)
                    for (int n = 0; n < dMlp; n++) neurons.Add(new NeuronActivation(l, n, post[l][p * dMlp + n]));
                var topN = neurons.OrderByDescending(a => a.Value).Take(topNeurons).ToList();
                var hs = new List<HeadActivation>();
                for (int l = 0; l < layers; l++)
                    for (int h = 0; h < heads; h++)
                    {
                        double norm = 0;
                        for (int d = 0; d < dh; d++) { double q = z[l][(p * heads + h) * dh + d]; norm += q * q; }
                        int best = 0; double w = -1;
                        for (int k = 0; k <= p; k++) { double a = pat[l][(h * t + p) * t + k]; if (a > w) { w = a; best = k; } }
                        hs.Add(new HeadActivation(l, h, Math.Sqrt(norm), best, w));
                    }
                var fs = feats is null ? new List<FeatureActivation>()
                    : Enumerable.Range(0, dSae).Where(j => feats[p * dSae + j] > 0).OrderByDescending(j => feats[p * dSae + j]).Take(topFeatures)
                        .Select(j => new FeatureActivation(j, feats[p * dSae + j])).ToList();
                reports.Add(new PositionReport(p, ids[p], tokenizer.TokenToString(ids[p]), preds, topN, hs.OrderByDescending(h => h.ZNorm).Take(topHeads).ToList(), fs));
            }
            return reports;
        }
    }
}

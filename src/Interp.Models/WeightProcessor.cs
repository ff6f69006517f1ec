// TransformerLens weight processing (fold_ln, center_writing_weights, center_unembed, fold_value_biases),
// written once over each architecture's WeightRoles declaration. Runs at load, before the model is used;
// every step leaves log-probs unchanged (up to float32 rounding). Weights are replaced, never edited in place.
using Interp.Tensors;

namespace Interp.Models;

public static class WeightProcessor
{
    /// <summary>Applies <paramref name="p"/> (in TransformerLens's order: fold_ln, center_writing_weights,
    /// center_unembed, fold_value_biases) and records it in <see cref="HookedTransformer.Processing"/>.</summary>
    public static void Apply(HookedTransformer model, WeightProcessing p)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(p);
        if (model.Processing != WeightProcessing.None)
            throw new InvalidOperationException($"this model was already processed at load ({model.Processing}); processing again would fold or centre twice. Load the checkpoint afresh with the whole combination wanted.");
        if (model.HasRun)
            throw new InvalidOperationException("weight processing must happen at load, before the model runs (results and caches from the unprocessed weights would be mixed up). Pass it to ModelLoader.Load.");
        if (p == WeightProcessing.None) return;
        var arch = model.Arch;
        var cfg = arch.Config;
        if (p.CenterWritingWeights && cfg.Norm != NormKind.LayerNorm)
            throw new ArgumentException($"center_writing_weights needs LayerNorm, which removes the residual stream's mean; this {cfg.ModelType} model uses RMSNorm, whose output depends on that mean. Drop center_writing_weights (fold_ln, center_unembed and fold_value_biases are fine).");

        var roles = arch.Roles();
        if (p.FoldLn || p.CenterWritingWeights || p.CenterUnembed) Untie(arch, roles);
        if (p.FoldLn) FoldLn(arch, roles);
        if (p.CenterWritingWeights) CenterWriting(arch, roles);
        if (p.CenterUnembed) CenterUnembed(arch, roles);
        if (p.FoldValueBiases) FoldValueBiases(arch, roles);
        model.Processing = p;
    }

    /// <summary>Gives the unembedding its own copy of a tied embedding table, so the two can change apart.</summary>
    private static void Untie(TransformerArchitecture arch, WeightRoles r)
    {
        if (arch.Weights.ContainsKey(r.Unembed.Weight)) return;
        if (r.TiedTo is null || !arch.Weights.TryGetValue(r.TiedTo, out var tied))
            throw new InvalidOperationException($"unembedding '{r.Unembed.Weight}' is not loaded and no tied table stands in for it.");
        arch.SetWeight(r.Unembed.Weight, Tensor.FromArray(tied.ToArray(), tied.Shape)); // a copy, not a view
    }

    /// <summary>Folds every norm's weight (and LayerNorm bias) into the layers that read it; for LayerNorm
    /// also centres the readers over d_model (their input is zero-mean). The norms are left without parameters.</summary>
    private static void FoldLn(TransformerArchitecture arch, WeightRoles r)
    {
        bool center = arch.Config.Norm == NormKind.LayerNorm;
        foreach (var norm in r.Layers.SelectMany(l => new[] { l.Ln1, l.Ln2 }).Append(r.LnFinal))
        {
            var w = Vector(arch, norm.Weight)
                ?? throw new InvalidOperationException($"norm '{norm.Weight}' has no weight to fold (already folded?).");
            var b = norm.Bias is null ? null : Vector(arch, norm.Bias);
            foreach (var lin in norm.Readers)
            {
                var m = Matrix(arch, lin);
                if (b is not null) AddToBias(arch, lin, m.Out, m.InProduct(b)); // b' = b + ln_b·W, with W before scaling
                m.ScaleIn(w);                                                      // W' = diag(ln_w)·W
                if (center) m.CenterIn();
                arch.SetWeight(lin.Weight, m.ToTensor());
            }
            arch.RemoveWeight(norm.Weight);
            if (norm.Bias is not null) arch.RemoveWeight(norm.Bias);
        }
    }

    /// <summary>Removes the d_model mean of everything written to the residual stream (LayerNorm ignores it).</summary>
    private static void CenterWriting(TransformerArchitecture arch, WeightRoles r)
    {
        foreach (var lin in r.Embeddings.Concat(r.Layers.SelectMany(l => l.Writers)))
        {
            var m = Matrix(arch, lin);
            m.CenterOut();
            arch.SetWeight(lin.Weight, m.ToTensor());
            if (lin.Bias is not null && Vector(arch, lin.Bias) is { } b)
            {
                WeightMatrix.CenterVector(b);
                arch.SetWeight(lin.Bias, Tensor.FromArray(b));
            }
        }
    }

    /// <summary>Removes the vocabulary mean of W_U (and b_U): logits shift by a per-position constant.</summary>
    private static void CenterUnembed(TransformerArchitecture arch, WeightRoles r)
    {
        var m = Matrix(arch, r.Unembed);
        m.CenterOut();
        arch.SetWeight(r.Unembed.Weight, m.ToTensor());
        if (r.Unembed.Bias is not null && Vector(arch, r.Unembed.Bias) is { } b)
        {
            WeightMatrix.CenterVector(b);
            arch.SetWeight(r.Unembed.Bias, Tensor.FromArray(b));
        }
    }

    /// <summary>b_O += Σ_h b_V[kv(h)]·W_O[h] (attention rows sum to 1, so b_V passes straight to z); then b_V = 0.</summary>
    private static void FoldValueBiases(TransformerArchitecture arch, WeightRoles r)
    {
        var cfg = arch.Config;
        int dh = cfg.DHead, rep = cfg.NHeads / cfg.NKvHeads;
        foreach (var layer in r.Layers)
        {
            var v = layer.Values;
            var bias = Vector(arch, v.Bias);
            if (bias is null) continue; // no value bias (Llama): nothing to fold
            var perHead = new float[cfg.NHeads * dh]; // b_V as each query head sees it, [head·d_head]
            for (int h = 0; h < cfg.NHeads; h++)
                for (int j = 0; j < dh; j++) perHead[h * dh + j] = bias[v.Start + h / rep * v.HeadStride + j];
            var wO = Matrix(arch, v.Output);
            AddToBias(arch, v.Output, wO.Out, wO.InProduct(perHead));
            for (int g = 0; g < cfg.NKvHeads; g++) Array.Clear(bias, v.Start + g * v.HeadStride, dh);
            arch.SetWeight(v.Bias, Tensor.FromArray(bias));
        }
    }

    /// <summary>bias += delta, creating the bias (zeros) where the layer has none yet.</summary>
    private static void AddToBias(TransformerArchitecture arch, LinearRef lin, int n, double[] delta)
    {
        if (lin.Bias is null) throw new InvalidOperationException($"'{lin.Weight}' would need a bias, but its layer cannot take one.");
        var b = Vector(arch, lin.Bias) ?? new float[n];
        if (b.Length != n) throw new InvalidOperationException($"bias '{lin.Bias}' has {b.Length} entries, expected {n}.");
        for (int i = 0; i < n; i++) b[i] = (float)(b[i] + delta[i]);
        arch.SetWeight(lin.Bias, Tensor.FromArray(b));
    }

    private static WeightMatrix Matrix(TransformerArchitecture arch, LinearRef lin) =>
        arch.Weights.TryGetValue(lin.Weight, out var t) ? new WeightMatrix(t, lin.OutIn)
            : throw new InvalidOperationException($"weight '{lin.Weight}' named by the {arch.Config.ModelType} WeightRoles is not loaded.");

    private static float[]? Vector(TransformerArchitecture arch, string name)
    {
        if (!arch.Weights.TryGetValue(name, out var t)) return null;
        if (t.Rank != 1) throw new InvalidOperationException($"'{name}' should be a vector, found [{ShapeUtil.Str(t.Shape)}].");
        return t.ToArray();
    }
}

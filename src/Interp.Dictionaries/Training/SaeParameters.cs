// The trainable tensors of an SAE in training: W_enc, b_enc, W_dec, b_dec (leaves with RequiresGrad, contiguous F32)
// plus what a method adds (jumprelu's log_threshold). Also the init: W_dec rows random with a set norm, W_enc = W_dec^T
// (tied init), b_enc = 0, b_dec from a sample of activations (geometric median, mean or zeros). The parameters are
// owned here (outside every TensorScope); Dispose frees them with their gradients.
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

public sealed class SaeParameters : IDisposable
{
    public Tensor WEnc { get; }   // [d_in, d_sae]
    public Tensor BEnc { get; }   // [d_sae]
    public Tensor WDec { get; }   // [d_sae, d_in]
    public Tensor BDec { get; }   // [d_in]
    /// <summary>Method-specific parameters by name (e.g. "log_threshold" [d_sae]).</summary>
    public SortedDictionary<string, Tensor> Extra { get; } = new(StringComparer.Ordinal);

    public int DIn => WEnc.Shape[0];
    public int DSae => WEnc.Shape[1];

    public SaeParameters(Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec)
    {
        WEnc = Leaf(wEnc); BEnc = Leaf(bEnc); WDec = Leaf(wDec); BDec = Leaf(bDec);
    }

    /// <summary>Every parameter in a fixed order (core four, then extras by name): the optimizer's parameter list.</summary>
    public IReadOnlyList<Tensor> All => Named.Select(n => n.tensor).ToArray();

    public IEnumerable<(string name, Tensor tensor)> Named
    {
        get
        {
            yield return (Sae.WEncName, WEnc); yield return (Sae.BEncName, BEnc);
            yield return (Sae.WDecName, WDec); yield return (Sae.BDecName, BDec);
            foreach (var (n, t) in Extra) yield return (n, t);
        }
    }

    public void AddExtra(string name, Tensor t) => Extra.Add(name, Leaf(t));

    /// <summary>W_dec rows ~ N(0, 1) scaled to <paramref name="decoderNorm"/>, W_enc = W_dec^T, b_enc = 0, b_dec = <paramref name="bDec"/>.</summary>
    public static SaeParameters Init(int dIn, int dSae, double decoderNorm, float[] bDec, Rng rng)
    {
        if (bDec.Length != dIn) throw new ArgumentException($"b_dec has {bDec.Length} values; d_in is {dIn}.");
        var wDec = rng.Normal(new[] { dSae, dIn });
        var w = wDec.Span<float>();
        for (int j = 0; j < dSae; j++)
        {
            var row = w.Slice(j * dIn, dIn);
            double n = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row));
            if (n == 0) { row[0] = 1; n = 1; }
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, (float)(decoderNorm / n), row);
        }
        using var scope = TensorScope.Begin();
        return new SaeParameters(TensorOps.Contiguous(wDec.T), Tensor.Zeros(dSae), wDec, Tensor.FromArray((float[])bDec.Clone(), dIn));
    }

    /// <summary>b_dec's start from activation rows [n, d_in]: "zeros", "mean", or "geometric_median" (Weiszfeld's
    /// iteration from the mean, in float64, at most 100 steps, stopping when the point moves less than 1e-6 × its norm;
    /// on at most 8192 rows spread evenly over the sample).</summary>
    public static float[] InitialBDec(ReadOnlySpan<float> rows, int dIn, BDecInit method)
    {
        var mean = new double[dIn];
        if (method == BDecInit.Zeros) return new float[dIn];
        int n = rows.Length / dIn;
        if (n == 0) throw new ArgumentException("b_dec init needs at least one activation row.");
        int m = Math.Min(n, 8192);
        var sample = new double[m][];
        for (int i = 0; i < m; i++)
        {
            var r = rows.Slice((int)((long)i * n / m) * dIn, dIn);
            sample[i] = new double[dIn];
            for (int d = 0; d < dIn; d++) { sample[i][d] = r[d]; mean[d] += r[d]; }
        }
        for (int d = 0; d < dIn; d++) mean[d] /= m;
        if (method == BDecInit.Mean) return Array.ConvertAll(mean, v => (float)v);
        var y = (double[])mean.Clone();
        for (int it = 0; it < 100; it++)
        {
            var num = new double[dIn];
            double den = 0;
            foreach (var p in sample)
            {
                double dist = 0;
                for (int d = 0; d < dIn; d++) { double e = p[d] - y[d]; dist += e * e; }
                double w = 1 / Math.Max(Math.Sqrt(dist), 1e-12);
                den += w;
                for (int d = 0; d < dIn; d++) num[d] += w * p[d];
            }
            double move = 0, norm = 0;
            for (int d = 0; d < dIn; d++) { double v = num[d] / den; move += (v - y[d]) * (v - y[d]); norm += v * v; y[d] = v; }
            if (Math.Sqrt(move) <= 1e-6 * Math.Max(Math.Sqrt(norm), 1e-12)) break;
        }
        return Array.ConvertAll(y, v => (float)v);
    }

    /// <summary>Scales every W_dec row to unit norm (rows of norm 0 are left alone).</summary>
    public void NormalizeDecoderRows()
    {
        var w = WDec.Data<float>(); int wo = WDec.Offset;
        int d = DIn;
        Par.For(DSae, d, (s, e) =>
        {
            for (int j = s; j < e; j++)
            {
                var row = w.AsSpan(wo + j * d, d);
                float n = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row));
                if (n > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, n, row);
            }
        });
    }

    /// <summary>Removes from W_dec's gradient the part parallel to each (unit-norm) row: g_j -= (g_j·w_j) w_j, so
    /// the step moves rows along the unit sphere (Gao et al. 2024; renormalisation after the step fixes the drift).</summary>
    public void ProjectDecoderGradient()
    {
        if (WDec.Grad is not { } g) return;
        var pg = Tensor.Empty(DType.F32, g.Shape);
        using (TensorScope.Begin())
        using (Tensor.NoGrad())
            TensorOps.CopyInto(pg, g.Detach());
        // a new tensor: a Grad's storage may be shared with another tensor, so it is never edited in place (as GradClip)
        var ga = pg.Data<float>();
        var wa = WDec.Data<float>(); int wo = WDec.Offset;
        int d = DIn;
        Par.For(DSae, 2L * d, (s, e) =>
        {
            for (int j = s; j < e; j++)
            {
                var gr = ga.AsSpan(j * d, d);
                var wr = new ReadOnlySpan<float>(wa, wo + j * d, d);
                float dot = System.Numerics.Tensors.TensorPrimitives.Dot(gr, wr);
                if (dot != 0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(wr, -dot, gr, gr);
            }
        });
        WDec.Grad = pg;                                  // (disposes the unprojected gradient)
    }

    /// <summary>Frees every parameter (a tensor's Dispose frees its Grad too).</summary>
    public void Dispose()
    {
        foreach (var (_, t) in Named) t.Dispose();
    }

    /// <summary>A contiguous F32 leaf that requires grad, owned by these parameters (taken out of its TensorScope).</summary>
    private static Tensor Leaf(Tensor t)
    {
        if (t.DType != DType.F32) throw new ArgumentException($"SAE parameters train in F32; got {t.DType}.");
        if (!t.IsContiguous)
        {
            Tensor c;
            using (Tensor.NoGrad()) c = TensorOps.Contiguous(t);
            t.Dispose();
            t = c;
        }
        return TensorScope.Escape(t).RequireGrad();
    }
}

using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class RotaryTests
{
    /// <summary>Fused FMA kernel vs separately rounded composed ops, float64: a few ulps of values of size ~1.</summary>
    private const double F64Tol = 1e-13;
    /// <summary>Same comparison in float32: a few ulps at float precision.</summary>
    private const double F32Tol = 1e-5;

    /// <summary>The Hugging Face formula composed from Narrow/Cat/Mul/Add: x_rot·cos + rotate_half(x_rot)·sin, rest passed through.</summary>
    private static Tensor Composed(Tensor x, Tensor cos, Tensor sin, int off)
    {
        int pos = x.Shape[1], d = x.Shape[3], r = cos.Shape[1], h = r / 2;
        var xr = x.Narrow(3, 0, r);
        var rotated = TensorOps.Cat(new[] { -xr.Narrow(3, h, h), xr.Narrow(3, 0, h) }, 3);
        var c = cos.Narrow(0, off, pos).Reshape(1, pos, 1, r);
        var s = sin.Narrow(0, off, pos).Reshape(1, pos, 1, r);
        var y = xr * c + rotated * s;
        return r == d ? y : TensorOps.Cat(new[] { y, x.Narrow(3, r, d - r) }, 3);
    }

    /// <summary>Values as double whatever the float dtype.</summary>
    private static double[] Values(Tensor t) => t.DType == DType.F64 ? t.ToArray<double>() : Array.ConvertAll(t.ToArray(), v => (double)v);

    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        // batch, pos, heads, dHead, rotaryDim, posOffset
        { 1, 1, 1, 2, 2, 0 },
        { 2, 5, 3, 8, 8, 0 },
        { 2, 4, 2, 10, 4, 3 },  // partial rotary + offset
        { 1, 3, 2, 70, 64, 0 }, // half = 32 plus a 6-wide pass-through
        { 1, 2, 1, 66, 66, 5 }, // half = 33: SIMD tails
    };

    [Fact]
    public void RotaryTables_Values_MatchInvFreqFormula()
    {
        const int p = 9, r = 8; const double theta = 10000.0;
        var (c64, s64) = TensorOps.RotaryTables(p, r, theta, DType.F64);
        var (c32, s32) = TensorOps.RotaryTables(p, r, theta);
        Assert.Equal(DType.F32, c32.DType);
        var cd = c64.ToArray<double>(); var sd = s64.ToArray<double>();
        var cf = c32.ToArray(); var sf = s32.ToArray();
        for (int pi = 0; pi < p; pi++)
            for (int i = 0; i < r; i++)
            {
                double ang = pi / Math.Pow(theta, 2.0 * (i % (r / 2)) / r);
                int k = pi * r + i;
                Assert.True(Math.Abs(Math.Cos(ang) - cd[k]) <= 1e-15 && Math.Abs(Math.Sin(ang) - sd[k]) <= 1e-15, $"row {pi} col {i}");
                Assert.Equal((float)cd[k], cf[k]);
                Assert.Equal((float)sd[k], sf[k]);
            }
        Assert.Equal(Math.Cos(3.0), cd[3 * r], 15);     // inv_freq[0] = 1
        Assert.Equal(cd[5 * r + 1], cd[5 * r + 5], 15); // cat(freqs, freqs)
    }

    [Fact]
    public void ApplyRotary_TwoDims_IsPlaneRotationByPosition()
    {
        var (cos, sin) = TensorOps.RotaryTables(2, 2, 10000.0, DType.F64);
        var x = Tensor.FromArray(new double[] { 1, 2, 1, 2 }, 1, 2, 1, 2);
        var y = TensorOps.ApplyRotary(x, cos, sin).ToArray<double>();
        double[] expect = { 1, 2, Math.Cos(1) - 2 * Math.Sin(1), 2 * Math.Cos(1) + Math.Sin(1) };
        for (int i = 0; i < 4; i++) Assert.True(Math.Abs(expect[i] - y[i]) <= F64Tol, $"[{i}] {expect[i]} vs {y[i]}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ApplyRotary_MatchesComposedOps_F64AndF32(int b, int pos, int heads, int d, int r, int off)
    {
        var rng = new Random(b + pos * 3 + d * 7 + r);
        var x = GradCheck.Rand(rng, -2, 2, b, pos, heads, d);
        foreach (var (dt, tol) in new[] { (DType.F64, F64Tol), (DType.F32, F32Tol) })
        {
            var (cos, sin) = TensorOps.RotaryTables(off + pos + 2, r, 10000.0, dt);
            var xt = dt == DType.F64 ? x : Tensor.FromArray(x.ToArray(), x.Shape);
            var fused = Values(TensorOps.ApplyRotary(xt, cos, sin, off));
            var composed = Values(Composed(xt, cos, sin, off));
            for (int i = 0; i < fused.Length; i++)
                Assert.True(Math.Abs(fused[i] - composed[i]) <= tol, $"{dt} [{i}]: fused {fused[i]} vs composed {composed[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ApplyRotary_Shapes_GradientsMatchFiniteDifferences(int b, int pos, int heads, int d, int r, int off)
    {
        var rng = new Random(b * 5 + pos + d + r);
        var (cos, sin) = TensorOps.RotaryTables(off + pos, r, 500.0, DType.F64);
        GradCheck.Check(x => TensorOps.ApplyRotary(x[0], cos, sin, off), new[] { GradCheck.Rand(rng, -1, 1, b, pos, heads, d) });
    }

    [Fact]
    public void ApplyRotary_NonContiguousViews_GradientsAndValuesMatch()
    {
        var rng = new Random(17);
        var (cos, sin) = TensorOps.RotaryTables(6, 6, 100.0, DType.F64);
        var a = GradCheck.Rand(rng, -1, 1, 2, 3, 4, 8); // [b, heads, pos, d] -> permuted, unit inner stride
        var b = GradCheck.Rand(rng, -1, 1, 2, 4, 8, 3); // [b, pos, d, heads] -> inner stride 3
        Func<Tensor[], Tensor> fa = x => TensorOps.ApplyRotary(x[0].Permute(0, 2, 1, 3), cos, sin, 1);
        Func<Tensor[], Tensor> fb = x => TensorOps.ApplyRotary(x[0].Transpose(2, 3), cos, sin, 2);
        GradCheck.Check(fa, new[] { a });
        GradCheck.Check(fb, new[] { b });
        using (Tensor.NoGrad())
        {
            var ya = fa(new[] { a }).ToArray<double>(); var za = Composed(a.Permute(0, 2, 1, 3), cos, sin, 1).ToArray<double>();
            var yb = fb(new[] { b }).ToArray<double>(); var zb = Composed(b.Transpose(2, 3), cos, sin, 2).ToArray<double>();
            for (int i = 0; i < ya.Length; i++) Assert.True(Math.Abs(ya[i] - za[i]) <= F64Tol, $"a[{i}]");
            for (int i = 0; i < yb.Length; i++) Assert.True(Math.Abs(yb[i] - zb[i]) <= F64Tol, $"b[{i}]");
        }
    }

    [Fact]
    public void ApplyRotary_QueryKeyDot_DependsOnlyOnRelativePosition()
    {
        // <rot(q, m), rot(k, n)> is a function of m - n: the property rotary embeddings exist for.
        var rng = new Random(3);
        var (cos, sin) = TensorOps.RotaryTables(12, 16, 10000.0, DType.F64);
        var q = GradCheck.Rand(rng, -1, 1, 1, 1, 1, 16);
        var k = GradCheck.Rand(rng, -1, 1, 1, 1, 1, 16);
        double Dot(int m, int n)
        {
            var a = TensorOps.ApplyRotary(q, cos, sin, m).ToArray<double>();
            var c = TensorOps.ApplyRotary(k, cos, sin, n).ToArray<double>();
            return a.Zip(c, (u, v) => u * v).Sum();
        }
        Assert.True(Math.Abs(Dot(7, 4) - Dot(3, 0)) <= 1e-12);
        Assert.True(Math.Abs(Dot(11, 11) - Dot(0, 0)) <= 1e-12);
        Assert.True(Math.Abs(Dot(7, 4) - Dot(4, 7)) > 1e-6, "a non-zero rotation must change the dot product");
    }

    [Fact]
    public void RotaryAndApply_BadArguments_Throw()
    {
        var odd = Assert.Throws<ArgumentException>(() => TensorOps.RotaryTables(4, 7, 10000.0));
        Assert.Contains("even", odd.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.RotaryTables(4, 8, 0.0));
        var (cos, sin) = TensorOps.RotaryTables(4, 8, 10000.0);
        var wide = Assert.Throws<ArgumentException>(() => TensorOps.ApplyRotary(Tensor.Zeros(1, 2, 1, 6), cos, sin));
        Assert.Contains("d_head (6)", wide.Message);
        var oddTable = Tensor.Zeros(4, 5);
        Assert.Throws<ArgumentException>(() => TensorOps.ApplyRotary(Tensor.Zeros(1, 2, 1, 6), oddTable, oddTable));
        var past = Assert.Throws<ArgumentException>(() => TensorOps.ApplyRotary(Tensor.Zeros(1, 3, 1, 8), cos, sin, 2));
        Assert.Contains("2..4", past.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.ApplyRotary(Tensor.Zeros(DType.F64, 1, 2, 1, 8), cos, sin));
        Assert.Throws<ArgumentException>(() => TensorOps.ApplyRotary(Tensor.Zeros(2, 1, 8), cos, sin));
        var (c2, s2) = TensorOps.RotaryTables(4, 8, 10000.0);
        c2.RequireGrad();
        Assert.Throws<InvalidOperationException>(() => TensorOps.ApplyRotary(Tensor.Zeros(1, 2, 1, 8), c2, s2));
    }
}

// Encode / Decode of each architecture against values computed by hand on tiny weights (d_in 2, d_sae 3-4),
// input normalisation, shapes, float64 finite-difference gradients, and bad input.
using Interp.Tensors;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Architectures;

public class EncodeDecodeTests
{
    /// <summary>float32 on values below ~20 built from a handful of products: a few ulps.</summary>
    private const double HandTol = 1e-5;

    // standard: W_enc [2, 3], b_enc [3], W_dec [3, 2], b_dec [2]
    private static readonly double[] WEnc = { 1, -1, 0.5, 2, 0, -1 }, BEnc = { 0.1, 0.2, -0.3 }, WDec = { 1, 0, 0, 1, 1, 1 }, BDec = { 0.5, -0.5 };

    private static Sae Standard(bool applyBDec = true, DType dtype = DType.F32) => Make(Cfg("standard", 2, 3, applyBDec: applyBDec), WEnc, BEnc, WDec, BDec, dtype: dtype);

    [Fact]
    public void Encode_Standard_MatchesHandComputation()
    {
        using var sae = Standard();
        using var x = T(new double[] { 1, 2, -1, 1 }, DType.F32, 2, 2);
        using var f = sae.Encode(x);
        // row 0: x - b_dec = [0.5, 2.5]; pre = [0.5 + 5 + 0.1, -0.5 + 0.2, 0.25 - 2.5 - 0.3] = [5.6, -0.3, -2.55]
        // row 1: x - b_dec = [-1.5, 1.5]; pre = [-1.5 + 3 + 0.1, 1.5 + 0.2, -0.75 - 1.5 - 0.3] = [1.6, 1.7, -2.55]
        Close(new[] { 5.6, 0, 0, 1.6, 1.7, 0 }, f, HandTol, "acts");
        using var r = sae.Decode(f);
        Close(new[] { 6.1, -0.5, 2.1, 1.2 }, r, HandTol, "recon = acts W_dec + b_dec");
    }

    [Fact]
    public void Encode_StandardWithoutBDecOnInput_UsesRawInput()
    {
        using var sae = Standard(applyBDec: false);
        using var x = T(new double[] { 1, 2 }, DType.F32, 1, 2);
        var (pre, f) = sae.EncodeWithPre(x);
        using (pre)
        using (f)
        {
            Close(new[] { 5.1, -0.8, -1.8 }, pre, HandTol, "pre = x W_enc + b_enc");
            Close(new[] { 5.1, 0, 0 }, f, HandTol, "acts");
        }
    }

    [Fact]
    public void Encode_TopK_KeepsKLargestThenRelu()
    {
        using var sae = Make(Cfg("topk", 2, 4, k: 2, applyBDec: false), new double[] { 1, 0, -1, 2, 0, 1, 1, -1 }, new double[4],
            new double[] { 1, 0, 0, 1, 1, 1, 1, -1 }, new double[2]);
        // row 0: pre [3, 1, -2, 5] -> keep 5 (3) and 3 (0); row 1: pre [1, -2, -3, 4] -> keep 4 and 1;
        // row 2: pre [-1, -1, 0, -1] -> keep 0 (2) and -1 (0, the lower index of the ties) -> ReLU zeroes both
        using var x = T(new double[] { 3, 1, 1, -2, -1, -1 }, DType.F32, 3, 2);
        using var f = sae.Encode(x);
        Close(new[] { 3.0, 0, 0, 5, 1, 0, 0, 4, 0, 0, 0, 0 }, f, HandTol, "acts");
        using var r = sae.Decode(f);
        Close(new[] { 8.0, -5, 5, -4, 0, 0 }, r, HandTol, "recon");
    }

    private static Sae JumpRelu(DType dtype = DType.F32) => Make(Cfg("jumprelu", 2, 3, applyBDec: false), new double[] { 1, 0, 1, 0, 1, 1 }, new double[] { 0, 0, -1 },
        new double[] { 1, 0, 0, 1, 1, 1 }, new[] { 0.1, 0.2 }, threshold: new[] { 0.5, 2, 0.5 }, dtype: dtype);

    [Fact]
    public void Encode_JumpRelu_ZeroesAtOrBelowThreshold()
    {
        using var sae = JumpRelu();
        // row 0: pre [1, 1.5, 1.5]: 1.5 <= 2 drops feature 1; row 1: pre [0.5, 3, 2.5]: 0.5 is not > 0.5
        using var x = T(new double[] { 1, 1.5, 0.5, 3 }, DType.F32, 2, 2);
        using var f = sae.Encode(x);
        Close(new[] { 1.0, 0, 1.5, 0, 3, 2.5 }, f, HandTol, "acts");
        using var r = sae.Decode(f);
        Close(new[] { 2.6, 1.7, 2.6, 5.7 }, r, HandTol, "recon");
    }

    [Fact]
    public void Encode_JumpReluNegativeThreshold_StillAppliesRelu()
    {
        using var sae = Make(Cfg("jumprelu", 1, 2, applyBDec: false), new double[] { 1, 1 }, new double[] { 0, 0 }, new double[] { 1, 1 }, new double[1], threshold: new[] { -1.0, -1 });
        using var x = T(new double[] { -0.5 }, DType.F32, 1, 1);
        using var f = sae.Encode(x);
        Close(new[] { 0.0, 0 }, f, 0, "acts of pre -0.5 above threshold -1");
    }

    [Fact]
    public void Encode_BatchTopK_IsJumpReluWithItsThreshold()
    {
        using var jr = JumpRelu();
        using var btk = Make(jr.Cfg with { Architecture = "batchtopk", K = 1.5 }, new double[] { 1, 0, 1, 0, 1, 1 }, new double[] { 0, 0, -1 },
            new double[] { 1, 0, 0, 1, 1, 1 }, new[] { 0.1, 0.2 }, threshold: new[] { 0.5, 2, 0.5 });
        using var x = T(new double[] { 1, 1.5, 0.5, 3 }, DType.F32, 2, 2);
        using var a = jr.Encode(x);
        using var b = btk.Encode(x);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void BatchActivate_KeepsKTimesRowsLargestOverTheBatch()
    {
        using var pre = T(new double[] { 1, 3, 2, -1 }, DType.F32, 2, 2);
        using var f = BatchTopKSae.BatchActivate(pre, 1);   // keep 2 of [1, 3, 2, 0]: 3 and 2
        Close(new[] { 0.0, 3, 2, 0 }, f, 0, "batch top-k");
        using var f2 = BatchTopKSae.BatchActivate(pre, 1.5); // round(3) = 3: 3, 2, 1
        Close(new[] { 1.0, 3, 2, 0 }, f2, 0, "batch top-k, k = 1.5");
    }

    [Fact]
    public void Encode_ExpectedAverageOnlyIn_ScalesInputAndUnscalesRecon()
    {
        using var plain = Standard();
        using var sae = Make(plain.Cfg with { NormalizeActivations = SaeConfig.NormExpectedAverageOnlyIn, NormScalingFactor = 2 }, WEnc, BEnc, WDec, BDec);
        using var x = T(new double[] { 1, 2 }, DType.F32, 1, 2);
        using var f = sae.Encode(x);
        // 2x - b_dec = [1.5, 4.5]; pre = [1.5 + 9 + 0.1, -1.5 + 0.2, 0.75 - 4.5 - 0.3] = [10.6, -1.3, -4.05]
        Close(new[] { 10.6, 0, 0 }, f, HandTol, "acts");
        using var r = sae.Decode(f);
        Close(new[] { 11.1 / 2, -0.5 / 2 }, r, HandTol, "recon = (acts W_dec + b_dec) / 2");
        using var folded = sae.FoldNormScalingFactor();
        Assert.Equal(SaeConfig.NormNone, folded.Cfg.NormalizeActivations);
        using var rf = folded.Forward(x);
        Close(D(r), rf, HandTol, "folded forward");
    }

    [Fact]
    public void Encode_ExpectedAverageWithoutFactor_TellsHowToEstimateIt()
    {
        using var sae = Make(Cfg("standard", 2, 3) with { NormalizeActivations = SaeConfig.NormExpectedAverageOnlyIn }, WEnc, BEnc, WDec, BDec);
        using var x = T(new double[] { 3, 4, 0, 1 }, DType.F32, 2, 2);
        var e = Assert.Throws<InvalidOperationException>(() => sae.Encode(x));
        Assert.Contains("no norm_scaling_factor", e.Message);
        double s = Sae.EstimateNormScalingFactor(x);
        Assert.Equal(Math.Sqrt(2) / 3, s, 12);   // norms 5 and 1, mean 3
        using var withS = sae.WithNormScalingFactor(s);
        using var f = withS.Encode(x);
        Assert.Equal(new[] { 2, 3 }, f.Shape);
    }

    [Fact]
    public void Encode_AnyLeadingShape_MatchesRowByRow()
    {
        using var sae = Random(Cfg("topk", 5, 7, k: 3), 21);
        using var x = new Rng(4).Normal(new[] { 2, 3, 5 });
        using var f3 = sae.Encode(x);
        using var x2 = x.Reshape(6, 5);
        using var f2 = sae.Encode(x2);
        Assert.Equal(new[] { 2, 3, 7 }, f3.Shape);
        Assert.Equal(f2.ToArray(), f3.ToArray());
        using var row = x2.Select(0, 4);
        using var f1 = sae.Encode(row);
        using var r1 = sae.Decode(f1);
        Assert.Equal(new[] { 7 }, f1.Shape);
        Assert.Equal(new[] { 5 }, r1.Shape);
        // One row goes through GEMM's small-matrix path, six rows through the blocked one: the sums are
        // reassociated, so agreement is to float32 rounding (1e-6 on O(1) activations), not bit for bit.
        var expected = f2.ToArray().AsSpan(28, 7).ToArray(); var actual = f1.ToArray();
        for (int i = 0; i < 7; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"[{i}] {expected[i]} vs {actual[i]}");
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("topk")]
    [InlineData("jumprelu")]
    [InlineData("batchtopk")]
    public void Forward_Float64_GradientsMatchFiniteDifferences(string arch)
    {
        using var sae = Random(Cfg(arch, 4, 6, k: arch == "topk" ? 3 : arch == "batchtopk" ? 2 : null) with
            { NormalizeActivations = SaeConfig.NormExpectedAverageOnlyIn, NormScalingFactor = 1.3 }, 8, DType.F64);
        var rng = new Rng(9);
        using var x = rng.Normal(new[] { 3, 4 }, 0, 1.5, DType.F64);
        using var weights = rng.Normal(new[] { 3, 4 }, 0, 1, DType.F64);
        using var wf = rng.Normal(new[] { 3, 6 }, 0, 1, DType.F64);
        // a generic scalar of the reconstruction and of the features, so every path is exercised
        Tensor Metric()
        {
            var (pre, f) = sae.EncodeWithPre(x);
            using (pre)
            using (f)
            using (var r = sae.Decode(f))
            using (var a = r * weights)
            using (var b = f * wf)
            using (var sa = TensorOps.Sum(a))
            using (var sb = TensorOps.Sum(b))
                return sa + sb;
        }
        FiniteDiff.Check(Metric, new[] { ("x", x), ("W_enc", sae.WEnc), ("b_enc", sae.BEnc), ("W_dec", sae.WDec), ("b_dec", sae.BDec) });
    }

    // ---- bad input ----

    [Fact]
    public void EncodeDecode_WrongWidthOrDType_ThrowClearly()
    {
        using var sae = Standard();
        using var x3 = Tensor.Zeros(2, 3);
        Assert.Contains("expects [.., 2] (d_in = 2); got [2, 3]", Assert.Throws<ArgumentException>(() => sae.Encode(x3)).Message);
        using var f2 = Tensor.Zeros(2, 2);
        Assert.Contains("expects [.., 3] (d_sae = 3)", Assert.Throws<ArgumentException>(() => sae.Decode(f2)).Message);
        using var x64 = Tensor.Zeros(DType.F64, 1, 2);
        Assert.Contains("the input is F64 but the SAE is F32", Assert.Throws<ArgumentException>(() => sae.Encode(x64)).Message);
    }

    [Fact]
    public void Constructor_ThresholdMissingOrUnexpectedOrMixedDTypes_Throws()
    {
        Assert.Contains("needs a 'threshold'", Assert.Throws<SaeFormatException>(() => Make(Cfg("jumprelu", 2, 3), WEnc, BEnc, WDec, BDec)).Message);
        Assert.Contains("has no 'threshold'", Assert.Throws<SaeFormatException>(() => Make(Cfg("standard", 2, 3), WEnc, BEnc, WDec, BDec, threshold: new double[3])).Message);
        var e = Assert.Throws<SaeFormatException>(() => new Sae(Cfg("standard", 2, 3), T(WEnc, DType.F32, 2, 3), T(BEnc, DType.F64, 3), T(WDec, DType.F32, 3, 2), T(BDec, DType.F32, 2)));
        Assert.Contains("mix dtypes", e.Message);
    }
}

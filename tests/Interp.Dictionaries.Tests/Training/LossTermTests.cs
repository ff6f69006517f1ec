// The training pieces by hand: the AuxK loss value and where its gradient lands, the JumpReLU straight-through
// gradient of log_threshold, BatchTopK's batch-wide selection, decoder-row projection and normalisation, b_dec init
// and the lr schedule.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Training;

public sealed class LossTermTests
{
    /// <summary>Float32 forward and backward of sums of a few terms vs the same sums in float64.</summary>
    private const double F32Tol = 1e-5;

    private static SaeParameters Params(int dIn, int dSae, ulong seed, double bEnc = 0.5)
    {
        var rng = new Rng(seed);
        var bE = Tensor.Full((float)bEnc, dSae);
        return new SaeParameters(rng.Normal(new[] { dIn, dSae }), bE, rng.Normal(new[] { dSae, dIn }, 0, 0.5), rng.Normal(new[] { dIn }, 0, 0.1));
    }

    private static double[] D(Tensor t) => TestSupport.D(t);

    [Fact]
    public void AuxK_DeadLatents_ValueByHandAndGradientOnlyOnDeadLatents()
    {
        int dIn = 4, dSae = 6, rows = 5;
        var cfg = new SaeTrainConfig { HookName = "h", DIn = dIn, DSae = dSae, Architecture = "topk", K = 1, AuxK = 4, AuxKCoefficient = 0.5, TrainingTokens = 5, TrainBatchSizeTokens = 5 };
        var dead = new[] { false, false, false, false, true, true };
        using var x = new Rng(9).Normal(new[] { rows, dIn });
        var grads = new Dictionary<string, double[]>[2];
        double auxValue = 0;
        for (int run = 0; run < 2; run++)
        {
            using var p = Params(dIn, dSae, 4);
            using var scope = TensorScope.Begin();   // a step's tensors live in its scope
            var m = new TopKTraining(cfg with { AuxKCoefficient = run == 0 ? 0.5 : 0 });
            var o = m.Forward(p, new StepInput(x, 0, dead, 2));
            if (run == 0)
            {
                auxValue = o.AuxLoss;
                Assert.Equal(ExpectedAux(p, x, D(o.XHat), dead, kAux: 2, scale: 0.5 * 2.0 / 4), auxValue, 1e-5);
            }
            o.Loss.Backward();
            grads[run] = p.Named.ToDictionary(n => n.name, n => D(n.tensor.Grad!));
        }
        Assert.True(auxValue > 0);
        for (int i = 0; i < dIn; i++)
            for (int j = 0; j < dSae; j++)
            {
                double diff = Math.Abs(grads[0]["W_enc"][i * dSae + j] - grads[1]["W_enc"][i * dSae + j]);
                if (dead[j]) continue;
                Assert.True(diff == 0, $"live latent {j}'s encoder got aux gradient {diff}");
            }
        double deadEnc = 0, deadDec = 0;
        for (int i = 0; i < dIn; i++) for (int j = 4; j < 6; j++) deadEnc += Math.Abs(grads[0]["W_enc"][i * dSae + j] - grads[1]["W_enc"][i * dSae + j]);
        for (int j = 4; j < 6; j++) for (int i = 0; i < dIn; i++) deadDec += Math.Abs(grads[0]["W_dec"][j * dIn + i] - grads[1]["W_dec"][j * dIn + i]);
        for (int j = 0; j < 4; j++) for (int i = 0; i < dIn; i++) Assert.Equal(grads[1]["W_dec"][j * dIn + i], grads[0]["W_dec"][j * dIn + i]);
        Assert.True(deadEnc > 1e-4 && deadDec > 1e-4, $"dead latents got no aux gradient (encoder {deadEnc}, decoder {deadDec})");
    }

    [Fact]
    public void AuxK_NoDeadLatents_AddsNothing()
    {
        var cfg = new SaeTrainConfig { HookName = "h", DIn = 4, DSae = 6, Architecture = "topk", K = 2, TrainingTokens = 5, TrainBatchSizeTokens = 5 };
        using var p = Params(4, 6, 4);
        using var x = new Rng(9).Normal(new[] { 5, 4 });
        using var scope = TensorScope.Begin();
        var o = new TopKTraining(cfg).Forward(p, new StepInput(x, 0, new bool[6], 0));
        Assert.Equal(0, o.AuxLoss);
    }

    /// <summary>coef·scale·mean_r ‖Σ top-k_aux ReLU(dead pre)·W_dec[j] - (x - x̂)‖², in float64.</summary>
    private static double ExpectedAux(SaeParameters p, Tensor x, double[] xhat, bool[] dead, int kAux, double scale)
    {
        double[] xs = D(x), we = D(p.WEnc), be = D(p.BEnc), wd = D(p.WDec), bd = D(p.BDec);
        int dIn = p.DIn, dSae = p.DSae, rows = x.Shape[0];
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            var pre = new List<(double v, int j)>();
            for (int j = 0; j < dSae; j++)
            {
                if (!dead[j]) continue;
                double z = be[j];
                for (int i = 0; i < dIn; i++) z += (xs[r * dIn + i] - bd[i]) * we[i * dSae + j];
                pre.Add((z, j));
            }
            var rec = new double[dIn];
            foreach (var (v, j) in pre.OrderByDescending(t => t.v).Take(kAux))
                for (int i = 0; i < dIn; i++) rec[i] += Math.Max(v, 0) * wd[j * dIn + i];
            for (int i = 0; i < dIn; i++) { double e = rec[i] - (xs[r * dIn + i] - xhat[r * dIn + i]); sum += e * e; }
        }
        return scale * sum / rows;
    }

    [Fact]
    public void JumpRelu_LogThresholdGradient_IsTheRectangleKernelEstimator()
    {
        const double eps = 0.2, lambda = 0.3;
        var cfg = new SaeTrainConfig { HookName = "h", DIn = 2, DSae = 3, Architecture = "jumprelu", L0Coefficient = lambda, JumpReluBandwidth = eps, TrainingTokens = 2, TrainBatchSizeTokens = 2 };
        double[] wEnc = { 1, 0, 1, 0, 1, 1 }, wDec = { 0.6, 0.8, 1, 0, 0, 1 }, theta = { 0.5, 0.25, 0.7 };
        double[] x = { 0.55, 0.2, 0.45, 0.9 };
        using var p = new SaeParameters(TestSupport.T(wEnc, DType.F32, 2, 3), Tensor.Zeros(3), TestSupport.T(wDec, DType.F32, 3, 2), Tensor.Zeros(2));
        p.AddExtra(JumpReluTraining.LogThresholdName, TestSupport.T(theta.Select(v => Math.Log(v)).ToArray(), DType.F32, 3));
        using var xt = TestSupport.T(x, DType.F32, 2, 2);
        var m = new JumpReluTraining(cfg);
        using var scope = TensorScope.Begin();
        var o = m.Forward(p, new StepInput(xt, 0, new bool[3], 0));
        o.Loss.Backward();

        // by hand: z = x W_enc (b_enc = b_dec = 0); f = z·[z > θ]; x̂ = f W_dec; loss = mean_r ‖x̂ - x‖² + λ·mean_r Σ_j [z > θ]
        int B = 2, n = 3;
        var z = new double[B * n]; var f = new double[B * n];
        for (int r = 0; r < B; r++) for (int j = 0; j < n; j++) { z[r * n + j] = x[r * 2] * wEnc[j] + x[r * 2 + 1] * wEnc[3 + j]; f[r * n + j] = z[r * n + j] > theta[j] ? z[r * n + j] : 0; }
        double mse = 0, l0 = 0;
        var gf = new double[B * n];
        for (int r = 0; r < B; r++)
        {
            var e = new double[2];
            for (int i = 0; i < 2; i++) { double xh = 0; for (int j = 0; j < n; j++) xh += f[r * n + j] * wDec[j * 2 + i]; e[i] = xh - x[r * 2 + i]; mse += e[i] * e[i] / B; }
            for (int j = 0; j < n; j++) { gf[r * n + j] = 2.0 / B * (e[0] * wDec[j * 2] + e[1] * wDec[j * 2 + 1]); if (f[r * n + j] != 0) l0 += 1.0 / B; }
        }
        Assert.Equal(mse + lambda * l0, o.Loss.ItemDouble(), F32Tol);
        Assert.Equal(l0, o.L0, 12);
        var g = D(p.Extra[JumpReluTraining.LogThresholdName].Grad!);
        for (int j = 0; j < n; j++)
        {
            double dTheta = 0;
            for (int r = 0; r < B; r++)
            {
                double k = Math.Abs((z[r * n + j] - theta[j]) / eps) < 0.5 ? 1 : 0;
                dTheta += gf[r * n + j] * (-theta[j] / eps) * k + lambda * (-1 / eps) * k / B;
            }
            Assert.True(Math.Abs(theta[j] * dTheta - g[j]) <= F32Tol, $"∂loss/∂log_threshold[{j}]: by hand {theta[j] * dTheta}, got {g[j]}");
        }
        Assert.True(g.All(v => v != 0), "every threshold here has a pre-activation inside the kernel");
    }

    [Fact]
    public void BatchTopKSelect_KeepsTheLargestOverTheBatch()
    {
        var s = BatchTopKTraining.Select(new float[] { 5, 3, 1, 4, 2, 0 }, rows: 2, kc: 3, keep: 3);
        Assert.Equal(new float[] { 1, 1, 0, 1, 0, 0 }, s.Mask);
        Assert.False(s.RowsMayHoldMore);
        Assert.Equal(3, s.MinKept);
        Assert.Equal(2, s.MaxPerRow);
        var ties = BatchTopKTraining.Select(new float[] { 3, 3, 0, 3, 1, 0 }, 2, 3, 2);
        Assert.Equal(new float[] { 1, 1, 0, 0, 0, 0 }, ties.Mask);              // ties at the cut: row-major order
        Assert.True(BatchTopKTraining.Select(new float[] { 5, 4, 3, 1, 0, 0 }, 2, 3, 3).RowsMayHoldMore);   // row 0 might have a 4th
        var few = BatchTopKTraining.Select(new float[] { 2, 0, -1, 0 }, 2, 2, 3);
        Assert.Equal(new float[] { 1, 0, 0, 0 }, few.Mask);                    // only positive values are ever kept
    }

    [Fact]
    public void DecoderProjectionAndNormalisation_KeepRowsOnTheUnitSphere()
    {
        using var p = Params(8, 5, 2);
        p.NormalizeDecoderRows();
        var w = D(p.WDec);
        for (int j = 0; j < 5; j++) Assert.Equal(1.0, Math.Sqrt(Enumerable.Range(0, 8).Sum(i => w[j * 8 + i] * w[j * 8 + i])), 1e-6);
        p.WDec.Grad = new Rng(3).Normal(new[] { 5, 8 });
        p.ProjectDecoderGradient();
        var g = D(p.WDec.Grad!);
        for (int j = 0; j < 5; j++) Assert.True(Math.Abs(Enumerable.Range(0, 8).Sum(i => w[j * 8 + i] * g[j * 8 + i])) < 1e-6, $"row {j} kept a parallel component");
    }

    [Fact]
    public void InitialBDec_MeanMedianZeros()
    {
        float[] rows = { 0, 1, 10 };                                           // three rows of d_in 1
        Assert.Equal(11.0 / 3, SaeParameters.InitialBDec(rows, 1, BDecInit.Mean)[0], 5);
        Assert.Equal(1.0, SaeParameters.InitialBDec(rows, 1, BDecInit.GeometricMedian)[0], 3);   // Weiszfeld converges to the median in 1-D
        Assert.Equal(0f, SaeParameters.InitialBDec(rows, 1, BDecInit.Zeros)[0]);
    }

    [Fact]
    public void Init_TiedEncoderAndUnitDecoderRows()
    {
        using var p = SaeParameters.Init(6, 10, 1.0, new float[6], new Rng(1));
        double[] we = D(p.WEnc), wd = D(p.WDec);
        for (int j = 0; j < 10; j++)
        {
            Assert.Equal(1.0, Math.Sqrt(Enumerable.Range(0, 6).Sum(i => wd[j * 6 + i] * wd[j * 6 + i])), 1e-6);
            for (int i = 0; i < 6; i++) Assert.Equal(wd[j * 6 + i], we[i * 10 + j]);
        }
    }

    [Fact]
    public void LrSchedule_WarmUpConstantDecay_AndCosine()
    {
        var c = new SaeTrainConfig { HookName = "h", DIn = 1, DSae = 1, Lr = 1, TrainingTokens = 10, TrainBatchSizeTokens = 1, LrWarmUpSteps = 2, LrDecaySteps = 2 };
        Assert.Equal(new[] { 0.5, 1, 1, 1, 1, 1, 1, 1, 0.5, 0 }, Enumerable.Range(0, 10).Select(new SaeLrSchedule(c).Lr).ToArray());
        var cos = new SaeLrSchedule(c with { LrSchedulerName = SaeLrScheduler.Cosineannealing, LrDecaySteps = 0 });
        Assert.Equal(1.0, cos.Lr(2), 12);
        Assert.Equal(0.1, cos.Lr(9), 12);                                      // lr_end defaults to lr / 10 at the last step
    }
}

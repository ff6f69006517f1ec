// Each architecture trained for a few hundred steps on planted sparse activations (PlantedSource: sums of 3 of 16
// unit directions): the loss falls by a stated factor, TopK keeps L0 = k on every step, BatchTopK keeps the batch
// mean at k, the L1 penalty and the JumpReLU L0 penalty lower L0, and the saved SAE reproduces its training metrics.
using Interp.Dictionaries.Training;
using Interp.Tensors;
using static Interp.Dictionaries.Tests.Training.TrainSupport;

namespace Interp.Dictionaries.Tests.Training;

public sealed class TrainingMethodTests
{
    [Fact]
    public void TopK_PlantedFeatures_LossFallsFivefoldAndL0StaysK()
    {
        var r = Run(Planted("topk", 3), null, null, out var sae);
        using (sae)
        {
            Assert.True(r.Completed);
            Assert.True(r.History[^1].Loss < r.History[0].Loss / 5, Describe(r));
            // every step kept exactly k = 3 positive activations per token: the interval means are exactly 3
            Assert.All(r.History, p => Assert.Equal(3.0, p.L0));
            Assert.Equal("topk", sae.Cfg.Architecture);
            Assert.Equal(3, sae.Cfg.TopK);
        }
    }

    [Fact]
    public void BatchTopK_PlantedFeatures_MeanL0IsKAndSavedAsJumpRelu()
    {
        var r = Run(Planted("batchtopk", 2.5), null, null, out var sae);
        using (sae)
        {
            Assert.True(r.History[^1].Loss < r.History[0].Loss / 4, Describe(r));
            // round(2.5 · 128) = 320 activations per batch of 128 tokens: mean L0 2.5 on every step
            Assert.All(r.History, p => Assert.Equal(2.5, p.L0, 12));
            var th = TestSupport.D(sae.Threshold!);
            Assert.All(th, t => Assert.Equal(th[0], t));
            Assert.True(th[0] > 0, "the running threshold must have moved off 0");
            using var tmp = new TempDir();
            sae.Save(tmp.Path);
            using var back = Sae.Load(tmp.Path);
            Assert.Equal("jumprelu", back.Cfg.Architecture);
        }
    }

    [Fact]
    public void Standard_L1Penalty_HalvesL0OverTraining()
    {
        var r = Run(Planted("standard", null) with { L1Coefficient = 1.0, L1WarmUpSteps = 10 });
        // tied init fires about half the 32 features; the penalty drives that below half of where it started
        Assert.True(r.History[^1].L0 < 0.5 * r.History[0].L0, Describe(r));
        Assert.True(r.History[^1].Loss < r.History[0].Loss, Describe(r));
    }

    [Fact]
    public void Standard_L1WarmUp_RampsTheCoefficient()
    {
        var m = new StandardTraining(Planted("standard", null) with { L1Coefficient = 2.0, L1WarmUpSteps = 4 });
        Assert.Equal(new[] { 0.5, 1.0, 1.5, 2.0, 2.0 }, Enumerable.Range(0, 5).Select(m.Coefficient).ToArray());
    }

    [Fact]
    public void JumpRelu_L0Penalty_LowersL0AgainstNoPenalty()
    {
        SaeTrainConfig C(double l0) => Planted("jumprelu", null) with { L0Coefficient = l0, JumpReluBandwidth = 0.1, JumpReluInitThreshold = 0.3, Lr = 0.01 };
        var free = Run(C(0));
        var penalised = Run(C(0.5), null, null, out var sae);
        using (sae)
        {
            Assert.True(free.History[^1].Loss < free.History[0].Loss / 20, Describe(free));
            Assert.True(penalised.History[^1].L0 < 0.7 * free.History[^1].L0, $"free:\n{Describe(free)}\npenalised:\n{Describe(penalised)}");
            Assert.Equal("jumprelu", sae.Cfg.Architecture);
            Assert.All(TestSupport.D(sae.Threshold!), t => Assert.True(t > 0));
        }
    }

    [Fact]
    public void SavedSae_OnFreshPlantedRows_MatchesTrainingExplainedVariance()
    {
        var cfg = Planted("topk", 3);
        var r = Run(cfg, null, null, out var sae);
        using (sae)
        {
            var src = new PlantedSource(cfg.DIn);
            src.LoadState(new ActivationSourceState(new[] { 1_000_000L }, Array.Empty<float>()));   // rows never trained on
            var rows = new float[512 * cfg.DIn];
            src.Read(rows);
            using var x = Tensor.FromArray(rows, 512, cfg.DIn);
            using var f = sae.Encode(x);
            using var xhat = sae.Decode(f);
            var stats = new SaeStats(cfg.DIn, cfg.DSae);
            stats.Add(x, xhat, f);
            var s = stats.Result();
            // the last training interval's EV is a mean over 20 batches of a moving SAE: within 0.05 of held-out
            Assert.True(Math.Abs(s.ExplainedVariance - r.History[^1].ExplainedVariance) < 0.05, $"held-out EV {s.ExplainedVariance}, training {r.History[^1].ExplainedVariance}");
            Assert.True(s.L0 <= 3 + 1e-12, $"L0 {s.L0}");
        }
    }

    [Fact]
    public void NormalizeActivations_FoldsTheFactorIntoTheSavedWeights()
    {
        var cfg = Planted("topk", 3, steps: 40) with { NormalizeActivations = SaeConfig.NormExpectedAverageOnlyIn };
        using var t = new SaeTrainer(cfg, new PlantedSource(cfg.DIn), new SaeTrainOptions { Log = TextWriter.Null });
        Assert.NotNull(t.NormScalingFactor);
        t.Train();
        using var sae = t.BuildSae();
        Assert.Equal(SaeConfig.NormNone, sae.Cfg.NormalizeActivations);
        // the folded SAE on raw rows equals the trained parameters on rows scaled by the factor
        var rows = new float[8 * cfg.DIn];
        new PlantedSource(cfg.DIn).Read(rows);
        double s = t.NormScalingFactor!.Value;
        using var x = Tensor.FromArray(rows, 8, cfg.DIn);
        using var xs = x * s;
        using var folded = sae.Forward(x);
        var unfolded = sae.Cfg with { NormalizeActivations = SaeConfig.NormExpectedAverageOnlyIn, NormScalingFactor = s };
        using var raw = new Sae(unfolded, Copy(t.Parameters.WEnc), Copy(t.Parameters.BEnc), Copy(t.Parameters.WDec), Copy(t.Parameters.BDec));
        using var expect = raw.Forward(x);
        Assert.True(TestSupport.MaxDiff(expect, folded) < 1e-4, "fold changed the function beyond float32 rounding");
    }

    private static Tensor Copy(Tensor t) { var y = Tensor.Empty(t.Shape); using var d = t.Detach(); TensorOps.CopyInto(y, d); return y; }

    [Fact]
    public void Run_LossDiverges_ThrowsTheSharedTypedException()
    {
        var cfg = Planted("standard", null, steps: 30) with { Lr = 1e30, MaxGradNorm = 0 };
        using var t = new SaeTrainer(cfg, new PlantedSource(cfg.DIn), new SaeTrainOptions { Log = TextWriter.Null });
        var e = Assert.Throws<SaeTrainingDivergedException>(() => t.Run());
        Assert.IsAssignableFrom<Interp.Models.Training.TrainingDivergedException>(e);
        Assert.False(double.IsFinite(e.Loss));
        Assert.Contains($"at step {e.Step}", e.Message);
    }

    [Fact]
    public void StepStatistics_AreTheEvaluatorsOnTheSameRows()
    {
        // the trainer's per-step MSE / explained variance come from ReconstructionStats, as SaeStats' do: one implementation
        var x = new float[] { 1, 2, 3, 4, 5, 7 };
        var xhat = new float[] { 1, 1, 3, 5, 4, 7 };
        var rec = new ReconstructionStats(2);
        rec.Add<float>(x, xhat);
        var stats = new SaeStats(2, 1);
        using (var xt = Tensor.FromArray(x, 3, 2)) using (var ht = Tensor.FromArray(xhat, 3, 2)) using (var f = Tensor.Zeros(3, 1)) stats.Add(xt, ht, f);
        var r = stats.Result();
        // by hand: Σ‖x - x̂‖² = 3 over 3 rows; Σ‖x - x̄‖² = 8 + 114/9 (x̄ = [3, 13/3])
        Assert.Equal(1.0, rec.MseSumOverDIn, 1e-12);
        Assert.Equal(1 - 3 / (8 + 114.0 / 9), rec.ExplainedVariance, 1e-12);
        Assert.Equal((r.MseSumOverDIn, r.ExplainedVariance), (rec.MseSumOverDIn, rec.ExplainedVariance));
    }
}

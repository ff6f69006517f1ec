// Tensor lifetimes in the dictionary code: SAE encode/decode/forward for every architecture, a spliced model run with
// gradients at the SAE's points and feature edits, the evaluator, loading (also a load that fails) and SAE training
// steps (planted activations and a model source) give every pooled buffer back; disposing returns what was taken.
// The count is global, so these tests run alone.
using Interp.Dictionaries.Tests.Training;
using Interp.Dictionaries.Training;
using Interp.Models;
using Interp.Tensors;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolCollection { public const string Name = "pool accounting (runs alone)"; }

[Collection(PoolCollection.Name)]
public sealed class PoolAccountingTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    /// <summary>Runs <paramref name="body"/> twice and asserts the second gives back every pooled buffer it rented.</summary>
    private static void AssertReturnsToBaseline(Action body, string what)
    {
        body();
        long before = TensorMemory.OutstandingBuffers;
        body();
        long after = TensorMemory.OutstandingBuffers;
        Assert.True(before == after, $"{what}: {after - before} pooled buffers still outstanding");
    }

    [Theory]
    [InlineData("standard", null)]
    [InlineData("topk", 4.0)]
    [InlineData("batchtopk", 4.0)]
    [InlineData("jumprelu", null)]
    public void SaeEncodeDecodeForward_ReturnToBaseline(string arch, double? k)
    {
        using var sae = Random(Cfg(arch, 64, 48, k), 5);
        using var x = new Rng(2).Normal(new[] { 3, 5, 64 });
        AssertReturnsToBaseline(() =>
        {
            sae.Encode(x).Dispose();
            var (pre, acts) = sae.EncodeWithPre(x);
            sae.Decode(acts).Dispose();
            pre.Dispose(); acts.Dispose();
            sae.Forward(x).Dispose();
            using var row = x.Select(0, 1).Select(0, 2);     // a single [d_in] vector
            sae.Forward(row).Dispose();
        }, arch);
    }

    [Fact]
    public void SplicedRun_WithGradientsAndEdits_ReturnsToBaseline()
    {
        using var m = Gpt2Tiny();
        using var sae = Random(Cfg("topk", 64, 48, 5), 3);
        using var ids = Ids(new long[] { 5, 17, 3, 99, 42, 8 }, new long[] { 60, 1, 77, 23, 0, 64 });
        using var splice = SaeSplice.Attach(m, sae);
        var names = splice.Names;
        AssertReturnsToBaseline(() =>
        {
            using var scope = TensorScope.Begin();
            var (logits, cache) = m.RunWithCache(ids, n => n == names.ActsPost || n == names.Error, withGrad: true, (names.ActsPost, FeatureEdits.Clamp(new[] { 2 }, 1.5)));
            using (cache)
            {
                NextTokenLoss.Compute(logits, ids).Backward();
                Assert.NotNull(cache.Grad(names.ActsPost));
            }
        }, "spliced RunWithCache(withGrad) + backward");
    }

    [Fact]
    public void Evaluator_ReturnsToBaseline()
    {
        using var m = Gpt2Tiny();
        using var sae = Random(Cfg("jumprelu", 64, 40), 4);
        using var ids = Ids(new long[] { 5, 17, 3, 99, 42, 8 }, new long[] { 60, 1, 77, 23, 0, 64 }, new long[] { 7, 7, 8, 9, 10, 11 });
        AssertReturnsToBaseline(() => SaeEvaluator.Evaluate(m, sae, ids, new SaeEvalOptions(BatchRows: 2)), "SaeEvaluator");
    }

    [Fact]
    public void Load_AndAFailedLoad_GiveEverythingBack()
    {
        string dir = _tmp.Sub("sae");
        using (var s = Random(Cfg("topk", 64, 48, 5), 9)) { s.LogSparsity = Tensor.Full(-2f, 48); s.Save(dir); }
        long before = TensorMemory.OutstandingBuffers;
        Sae.Load(dir).Dispose();
        Assert.Equal(before, TensorMemory.OutstandingBuffers);
        File.WriteAllText(Path.Combine(dir, "cfg.json"), File.ReadAllText(Path.Combine(dir, "cfg.json")).Replace("\"d_sae\": 48", "\"d_sae\": 47"));
        Assert.Throws<SaeFormatException>(() => Sae.Load(dir));
        Assert.Equal(before, TensorMemory.OutstandingBuffers);
    }

    [Theory]
    [InlineData("standard", null)]
    [InlineData("topk", 3.0)]
    [InlineData("batchtopk", 3.0)]
    [InlineData("jumprelu", null)]
    public void SaeTrainingSteps_ReturnToBaseline_AndDisposeReturnsAll(string arch, double? k)
    {
        var cfg = TrainSupport.Planted(arch, k, steps: 20, batch: 64) with { DeadFeatureWindow = 2 };   // AuxK active from step 3
        long start = TensorMemory.OutstandingBuffers;
        var t = new SaeTrainer(cfg, new PlantedSource(cfg.DIn), new SaeTrainOptions { Log = TextWriter.Null });
        t.TrainStep();                                // the optimizer's moments exist from here on
        long baseline = TensorMemory.OutstandingBuffers;
        for (int i = 0; i < 5; i++) t.TrainStep();
        t.BuildSae().Dispose();
        Assert.Equal(baseline, TensorMemory.OutstandingBuffers);
        t.Dispose();
        Assert.Equal(start, TensorMemory.OutstandingBuffers);
    }

    [Fact]
    public void SaeTraining_FromAModel_DisposeReturnsTheModelToo()
    {
        var ids = _tmp.File("ids.txt");
        var rng = new Rng(11);
        File.WriteAllLines(ids, Enumerable.Range(0, 40).Select(_ => string.Join(" ", Enumerable.Range(0, 3 + rng.NextInt(9)).Select(__ => 3 + rng.NextInt(98)))));
        var cfg = new SaeTrainConfig
        {
            ModelPath = FixtureDir("gpt2-tiny"), HookName = "blocks.1.attn.hook_z", DIn = 64, DSae = 96, Architecture = "topk", K = 4,
            DatasetPath = ids, IsDatasetTokenized = true, BosTokenId = 1, ContextSize = 8, StoreBatchSizePrompts = 2,
            TrainingTokens = 24 * 12, TrainBatchSizeTokens = 12, NBatchesInBuffer = 3, Lr = 1e-3, Seed = 5,
        };
        long start = TensorMemory.OutstandingBuffers;
        using (var t = SaeTrainer.Prepare(cfg, new SaeTrainOptions { Log = TextWriter.Null, StopAfterSteps = 6 }))
        {
            t.Run();
            using var sae = t.BuildSae();
            Assert.Equal((SaeReshape.HookZ, (int?)1), (sae.Cfg.ReshapeActivations, sae.Cfg.HookLayer));   // from the hook table, not the name
        }
        Assert.Equal(start, TensorMemory.OutstandingBuffers);
    }
}

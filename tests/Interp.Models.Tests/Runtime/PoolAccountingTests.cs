// Tensor lifetimes end to end: after forward passes, cached runs (with gradients and a backward), hooked runs, runs
// cut at a hook or failed in a hook, generation with a KV cache, and LM training steps, the buffer pool's outstanding
// count is back at its baseline; disposing the model or trainer returns what loading took. The count is global, so
// these tests run alone (no other test may rent buffers meanwhile).
using Interp.Models.Tests.Training;
using Interp.Models.Training;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Runtime;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoolCollection { public const string Name = "pool accounting (runs alone)"; }

[Collection(PoolCollection.Name)]
public sealed class PoolAccountingTests
{
    private static Tensor Ids(string fixture)
    {
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(fixture), "reference.safetensors"));
        return refs.Load("input_ids");
    }

    /// <summary>Runs <paramref name="body"/> twice (the first fills caches such as the JIT's) and asserts the second
    /// gives back every pooled buffer it rented.</summary>
    private static void AssertReturnsToBaseline(Action body, string what)
    {
        body();
        long before = TensorMemory.OutstandingBuffers;
        body();
        long after = TensorMemory.OutstandingBuffers;
        Assert.True(before == after, $"{what}: {after - before} pooled buffers still outstanding ({TensorMemory.OutstandingBytes} bytes in all)");
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Forward_PlainCachedAndHooked_ReturnToBaseline(string name)
    {
        using var model = ModelLoader.Load(Fixture.Dir(name));
        using var ids = Ids(name);
        string post0 = model.HookTable.Name(HookKind.MlpPost, 0);
        AssertReturnsToBaseline(() => model.Run(ids).Dispose(), $"{name} Run");
        AssertReturnsToBaseline(() =>
        {
            using var scope = TensorScope.Begin();
            var (_, cache) = model.RunWithCache(ids);
            cache.Dispose();
        }, $"{name} RunWithCache (every hook)");
        AssertReturnsToBaseline(() =>
        {
            using var scope = TensorScope.Begin();
            model.RunWithHooks(ids, (post0, Interventions.ZeroAblate()));
        }, $"{name} RunWithHooks");
        AssertReturnsToBaseline(() => model.RunToHook(ids, post0).Dispose(), $"{name} RunToHook");
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void CachedRunWithGradients_AfterBackward_ReturnsToBaseline(string name)
    {
        using var model = ModelLoader.Load(Fixture.Dir(name));
        using var ids = Ids(name);
        var resid = model.HookTable.OfKind(HookKind.ResidPre, HookKind.ResidPost).Select(p => p.Name).ToHashSet();
        AssertReturnsToBaseline(() =>
        {
            using var scope = TensorScope.Begin();
            var (logits, cache) = model.RunWithCache(ids, resid.Contains, withGrad: true);
            using (cache)
            {
                NextTokenLoss.Compute(logits, ids).Backward();
                Assert.NotNull(cache.Grad(model.HookTable.Name(HookKind.ResidPre, 0)));
            }
        }, $"{name} RunWithCache(withGrad) + backward");
    }

    [Fact]
    public void CachedRunWithGradients_NeverBackpropagated_ScopeFreesTheGraph()
    {
        using var model = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Ids("gpt2-tiny");
        AssertReturnsToBaseline(() =>
        {
            using var scope = TensorScope.Begin();
            var (_, cache) = model.RunWithCache(ids, _ => true, withGrad: true);
            cache.Dispose();
        }, "RunWithCache(withGrad) without backward");
    }

    [Fact]
    public void HookThatThrows_MidPass_ReturnsToBaseline()
    {
        using var model = ModelLoader.Load(Fixture.Dir("llama-tiny"));
        using var ids = Ids("llama-tiny");
        string at = model.HookTable.Name(HookKind.Z, 1);
        AssertReturnsToBaseline(() =>
            Assert.Throws<InvalidOperationException>(() => model.RunWithHooks(ids, (at, (_, _) => throw new InvalidOperationException("boom")))),
            "a hook failing in the last block");
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Generate_WithKvCache_ReturnsToBaseline(string name)
    {
        using var model = ModelLoader.Load(Fixture.Dir(name));
        using var prompt = Tensor.FromArray(new long[] { 1, 5, 9, 2, 3, 7 }, 2, 3);
        AssertReturnsToBaseline(() => Generator.Generate(model, prompt, new SamplingOptions { MaxNewTokens = 6, Temperature = 0.8, TopK = 5, Seed = 3 }),
            $"{name} generation");
    }

    [Fact]
    public void Model_Dispose_ReturnsWhatLoadingTook()
    {
        long before = TensorMemory.OutstandingBuffers;
        var model = ModelLoader.Load(Fixture.Dir("neox-tiny"), new WeightProcessing(FoldLn: true, CenterWritingWeights: true, CenterUnembed: true, FoldValueBiases: true));
        using (var ids = Ids("neox-tiny")) model.Run(ids).Dispose();
        Assert.True(TensorMemory.OutstandingBuffers > before);
        model.Dispose();
        Assert.Equal(before, TensorMemory.OutstandingBuffers);
        using var ids2 = Ids("neox-tiny");
        Assert.Throws<ObjectDisposedException>(() => model.Run(ids2));
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void LmTrainingSteps_ReturnToBaseline_AndDisposeReturnsAll(string arch)
    {
        using var corpus = new TinyCorpus(repeats: 20);
        long start = TensorMemory.OutstandingBuffers;
        var trainer = Trainer.Prepare(corpus.Config(arch, steps: 6), new TrainOptions { OutDir = corpus.Path_("out-" + arch) });
        trainer.Step(0, 1e-3);                         // creates the optimizer's moments
        long baseline = TensorMemory.OutstandingBuffers;
        for (int s = 1; s < 4; s++) trainer.Step(s, 1e-3);
        trainer.HeldoutLoss();
        Assert.Equal(baseline, TensorMemory.OutstandingBuffers);
        trainer.Dispose();
        Assert.Equal(start, TensorMemory.OutstandingBuffers);
    }
}

using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Runtime;

public class RunToHookTests
{
    private static Tensor Ids(string fixture)
    {
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(fixture), "reference.safetensors"));
        return refs.Load("input_ids");
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void RunToHook_EqualsCachedActivation_AndSeesEditsAtThatHook(string name)
    {
        var model = ModelLoader.Load(Fixture.Dir(name));
        using var ids = Ids(name);
        const string hook = "blocks.1.hook_resid_pre";
        var (logits, cache) = model.RunWithCache(ids, n => n == hook);
        using var act = model.RunToHook(ids, hook);
        Assert.Equal(cache[hook].ToArray(), act.ToArray());
        using var edited = model.RunToHook(ids, hook, (hook, (x, _) => x * 2.0));
        Assert.Equal(cache[hook].ToArray().Select(v => v * 2).ToArray(), edited.ToArray());
        Assert.Throws<ArgumentException>(() => model.RunToHook(ids, "blocks.1.hook_resid_nope"));
        logits.Dispose(); cache.Dispose();
    }

    [Fact]
    public void GptNeoX_WithoutParallelResidual_RunsSequentialBlocks()
    {
        var parallel = ModelLoader.Load(Fixture.Dir("neox-tiny"));
        var cfg = parallel.Config with { ParallelResidual = false };
        var seq = new HookedTransformer(ModelLoader.Create(cfg, parallel.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value)));
        Assert.Contains("blocks.0.hook_resid_mid", seq.HookNames);
        using var ids = Ids("neox-tiny");
        var (logits, c) = seq.RunWithCache(ids);
        for (int l = 0; l < cfg.NLayers; l++)
        {
            // sequential: mid = pre + attn_out, post = mid + mlp_out (exactly the ops the block runs)
            using var mid = c[$"blocks.{l}.hook_resid_pre"] + c[$"blocks.{l}.hook_attn_out"];
            using var post = c[$"blocks.{l}.hook_resid_mid"] + c[$"blocks.{l}.hook_mlp_out"];
            Assert.Equal(mid.ToArray(), c[$"blocks.{l}.hook_resid_mid"].ToArray());
            Assert.Equal(post.ToArray(), c[$"blocks.{l}.hook_resid_post"].ToArray());
        }
        using var par = parallel.Run(ids);
        Assert.NotEqual(par.ToArray(), logits.ToArray());
        logits.Dispose(); c.Dispose();
    }
}

// ActiveFeatures against a direct computation: the full forward with the hook cached, the SAE encoding every position,
// and the per-feature maximum found by a plain scan.
using Interp.Dictionaries.Analysis;
using Interp.Tensors;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Analysis;

public class ActiveFeaturesTests
{
    private static readonly int[] Tokens = [5, 17, 3, 99, 42, 8, 60, 1, 77];

    [Theory]
    [InlineData("blocks.0.hook_resid_post", "topk")]
    [InlineData("blocks.1.attn.hook_z", "standard")]
    public void Compute_Text_TopByMaxActivationAsDirectScan(string hook, string arch)
    {
        var model = Gpt2Tiny();
        using var sae = Random(Cfg(arch, 64, 96, k: arch == "topk" ? 6 : null, hook: hook), seed: 3);
        var got = ActiveFeatures.Compute(model, sae, Tokens, top: 8);

        float[] acts;
        using (Tensor.NoGrad())
        using (var tokens = Ids(Tokens.Select(i => (long)i).ToArray()))
        {
            var (logits, cache) = model.RunWithCache(tokens, n => n == hook);
            using (logits) using (cache)
            {
                var a = cache[hook];
                using var x = a.Rank == 4 ? a.Reshape(1, Tokens.Length, 64) : a.Detach();
                using var f = sae.Encode(x);
                acts = f.ToArray();
            }
        }
        var expected = Enumerable.Range(0, 96)
            .Select(j => (Feature: j, Max: Enumerable.Range(0, Tokens.Length).Max(p => acts[p * 96 + j]),
                Firing: Enumerable.Range(0, Tokens.Length).Count(p => acts[p * 96 + j] != 0)))
            .Where(x => x.Max > 0).OrderByDescending(x => x.Max).ThenBy(x => x.Feature).Take(8).ToList();
        Assert.Equal(hook, got.Hook);
        Assert.Equal(expected.Select(e => e.Feature), got.Features.Select(f => f.Feature));
        foreach (var (e, g) in expected.Zip(got.Features))
        {
            Assert.Equal(e.Max, g.Max);
            Assert.Equal(e.Firing, g.Firing);
            Assert.Equal(e.Max, acts[g.MaxPosition * 96 + g.Feature]);
        }
        Assert.Equal(Tokens.Length, got.Tokens.Count);
    }

    [Fact]
    public void Compute_SaeForAnotherWidth_ClearError()
    {
        var model = Gpt2Tiny();
        using var sae = Random(Cfg("topk", 32, 64, k: 4), seed: 1);
        var e = Assert.Throws<ArgumentException>(() => ActiveFeatures.Compute(model, sae, Tokens, top: 5));
        Assert.Contains("d_in = 32", e.Message);
    }
}

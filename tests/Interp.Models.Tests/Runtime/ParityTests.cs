// Parity with the PyTorch references: logits, loss, every hook activation, gradients at hooks, and
// parameter gradients, for each fixture architecture.
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Runtime;

public class ParityTests
{
    /// <summary>fp32 parity bound from the fixtures' README: 1e-4 absolute, scaled by the tensor's magnitude.</summary>
    private const double Tol = 1e-4;

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray(); var a = actual.ToArray();
        double scale = 1;
        foreach (var x in e) if (float.IsFinite(x)) scale = Math.Max(scale, Math.Abs(x));
        double worst = 0; int at = -1;
        for (int i = 0; i < e.Length; i++)
        {
            if (float.IsNegativeInfinity(e[i])) { Assert.True(float.IsNegativeInfinity(a[i]), $"{what}[{i}]: expected -inf (masked), got {a[i]}"); continue; }
            double d = Math.Abs((double)e[i] - a[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        Assert.True(worst <= Tol * scale, $"{what}: max |diff| {worst:E3} at {at} (expected {(at >= 0 ? e[at] : 0)}, got {(at >= 0 ? a[at] : 0)}) exceeds {Tol * scale:E2}");
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Run_Fixture_MatchesPyTorchEverywhere(string name)
    {
        var model = ModelLoader.Load(Fixture.Dir(name));
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(name), "reference.safetensors"));
        var ids = refs.Load("input_ids");
        foreach (var p in model.Parameters.Values) p.RequiresGrad = true;

        var (logits, cache) = model.RunWithCache(ids, withGrad: true);
        using var loss = NextTokenLoss.Compute(logits, ids);
        loss.Backward();

        AssertClose(refs.Load("logits"), logits, "logits");
        Assert.True(Math.Abs(refs.Load("loss").Item() - loss.Item()) <= Tol, $"loss {loss.Item()} vs {refs.Load("loss").Item()}");

        var refActs = refs.Names.Where(n => n.StartsWith("act.")).Select(n => n[4..]).ToHashSet();
        Assert.Equal(refActs.OrderBy(x => x), model.HookNames.OrderBy(x => x)); // same hook set as TransformerLens
        foreach (var h in refActs) AssertClose(refs.Load("act." + h), cache[h], "act." + h);

        int grads = 0;
        foreach (var n in refs.Names.Where(n => n.StartsWith("grad.")))
        {
            var g = cache.Grad(n[5..]);
            Assert.True(g is not null, $"no gradient reached {n}");
            AssertClose(refs.Load(n), g!, n);
            grads++;
        }
        Assert.True(grads >= 4 * model.Config.NLayers);
        foreach (var n in refs.Names.Where(n => n.StartsWith("param_grad.")))
        {
            var p = model.Parameters[n["param_grad.".Length..]];
            Assert.True(p.Grad is not null, $"no gradient reached {n}");
            AssertClose(refs.Load(n), p.Grad!, n);
        }
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void HookNames_MatchGoldenFile(string name)
    {
        var model = ModelLoader.Load(Fixture.Dir(name));
        string file = $"hooks.{model.Config.ModelType}.txt";
        if (Environment.GetEnvironmentVariable("INTERP_UPDATE_GOLDEN") is { Length: > 0 } srcDir)
            File.WriteAllLines(Path.Combine(srcDir, file), model.HookNames); // regenerate: INTERP_UPDATE_GOLDEN=<tests/.../Golden>, then review the diff
        var golden = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Golden", file));
        Assert.Equal(golden, model.HookNames);
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Run_WithoutHooks_EqualsRunWithCacheLogits(string name)
    {
        var model = ModelLoader.Load(Fixture.Dir(name));
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(name), "reference.safetensors"));
        var ids = refs.Load("input_ids");
        var plain = model.Run(ids);
        var (cached, cache) = model.RunWithCache(ids);
        // The fused norm (no hooks) and the decomposed TransformerLens norm (hooks cached) differ only by float32 rounding.
        GradCheckFree.AssertClose(plain.ToArray(), cached.ToArray(), 1e-5, "logits fused vs decomposed");
        cache.Dispose();
    }
}

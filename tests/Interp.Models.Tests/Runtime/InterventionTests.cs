// Interventions on a hand-sized GPT-2, checked against a float64 hand computation of the same model with
// the edit made at the hook site: zero / mean / resample ablation, heads, neurons, patching, steering.
using Interp.Tensors;

namespace Interp.Models.Tests.Runtime;

public class InterventionTests
{
    /// <summary>float32 forward vs float64 reference on weights in ±1, d_model 4: a few ulps of values below ~10.</summary>
    private const double HandTol = 1e-4;

    private static readonly long[] RowA = { 1, 3, 0, 4, 2 }, RowB = { 2, 2, 1, 0, 3 };
    private const string ResidPre = "blocks.0.hook_resid_pre", Z = "blocks.0.attn.hook_z", Post = "blocks.0.mlp.hook_post",
        ResidPost = "blocks.0.hook_resid_post", Normalized = "ln_final.hook_normalized";

    private static Dictionary<string, TinyGpt2.Edit> Edit(string name, TinyGpt2.Edit e) => new() { [name] = e };

    private static void AssertBothRows(TinyGpt2 m, Tensor logits, Dictionary<string, TinyGpt2.Edit>? editA, Dictionary<string, TinyGpt2.Edit>? editB, string what)
    {
        TinyGpt2.AssertLogits(m.Reference(RowA, editA), logits, 0, HandTol, what + " row 0");
        TinyGpt2.AssertLogits(m.Reference(RowB, editB), logits, 1, HandTol, what + " row 1");
    }

    [Fact]
    public void Run_TinyModel_MatchesHandReference()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.Run(ids);
        AssertBothRows(m, logits, null, null, "unhooked");
    }

    [Fact]
    public void ZeroAblate_ChosenPositions_MatchesHandComputation()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.RunWithHooks(ids, (ResidPre, Interventions.ZeroAblate(new Selection(Positions: new[] { 1, -1 }))));
        var e = Edit(ResidPre, a => { Array.Clear(a[1]); Array.Clear(a[^1]); });
        AssertBothRows(m, logits, e, e, "zero-ablated resid_pre at 1 and -1");
    }

    [Fact]
    public void ZeroAblate_PositionAndFeature_ZeroesOnlyThatElement()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.RunWithHooks(ids, (ResidPost, Interventions.ZeroAblate(new Selection(Positions: new[] { 0 }, Features: new[] { 2 }))));
        var e = Edit(ResidPost, a => a[0][2] = 0);
        AssertBothRows(m, logits, e, e, "resid_post[0, 2] zeroed");
    }

    [Fact]
    public void MeanAblate_GivenMean_ReplacesSelectedPositionsWithIt()
    {
        var m = new TinyGpt2();
        var mean = Enumerable.Range(0, TinyGpt2.M).Select(i => (i - 3) / 8.0).ToArray();
        using var meanT = Tensor.FromArray(Array.ConvertAll(mean, x => (float)x), TinyGpt2.M);
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.RunWithHooks(ids, (Post, Interventions.MeanAblate(meanT, new Selection(Positions: new[] { 2 }))));
        var e = Edit(Post, a => a[2] = (double[])mean.Clone());
        AssertBothRows(m, logits, e, e, "mlp.hook_post[2] := given mean");
    }

    [Fact]
    public void MeanAblate_MeanNotBroadcastable_ThrowsNamingHookAndShapes()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA);
        using var wrong = Tensor.Zeros(TinyGpt2.D);
        var e = Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(ids, (Post, Interventions.MeanAblate(wrong))));
        Assert.Contains($"mean for '{Post}' is F32 [4]", e.Message);
        Assert.Contains("[1, 5, 8]", e.Message);
        using var f64 = Tensor.Zeros(DType.F64, TinyGpt2.M);
        Assert.Contains("F64", Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(ids, (Post, Interventions.MeanAblate(f64)))).Message);
    }

    [Fact]
    public void MeanAblate_PerPositionMean_ReplacesEachPositionWithItsRow()
    {
        var m = new TinyGpt2();
        var mean = Enumerable.Range(0, 5 * TinyGpt2.D).Select(i => (i % 7 - 3) / 4.0).ToArray();   // [pos 5, d 4]
        using var meanT = Tensor.FromArray(Array.ConvertAll(mean, x => (float)x), 5, TinyGpt2.D);
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.RunWithHooks(ids, (ResidPre, Interventions.MeanAblate(meanT, new Selection(Positions: new[] { 1, 3 }))));
        var e = Edit(ResidPre, a => { foreach (var p in new[] { 1, 3 }) a[p] = mean.AsSpan(p * 4, 4).ToArray(); });
        AssertBothRows(m, logits, e, e, "resid_pre[1,3] := per-position mean");
    }

    [Fact]
    public void MeanAblate_NoMean_UsesBatchAndPositionMeanOfThisRun()
    {
        var m = new TinyGpt2();
        // the hand mean: hook_post of both rows, averaged over rows and positions
        var seen = new List<double[]>();
        var capture = Edit(Post, a => seen.AddRange(a.Select(r => (double[])r.Clone())));
        m.Reference(RowA, capture); m.Reference(RowB, capture);
        var mean = Enumerable.Range(0, TinyGpt2.M).Select(i => seen.Average(r => r[i])).ToArray();

        using var ids = TinyGpt2.Ids(RowA, RowB);
        var (logits, cache) = m.Model.RunWithCache(ids, n => n == Post, false, (Post, Interventions.MeanAblate()));
        using (cache)
        using (logits)
        {
            var cached = cache[Post].ToArray();   // the cache holds the value after the hook
            for (int i = 0; i < cached.Length; i++)
                Assert.True(Math.Abs(cached[i] - mean[i % TinyGpt2.M]) <= HandTol, $"hook_post[{i}] = {cached[i]}, batch mean {mean[i % TinyGpt2.M]}");
            var e = Edit(Post, a => { for (int p = 0; p < a.Length; p++) a[p] = (double[])mean.Clone(); });
            AssertBothRows(m, logits, e, e, "mlp.hook_post := batch mean");
        }
    }

    [Fact]
    public void ResampleAblate_OtherInputsActivation_MatchesHandComputation()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var swapped = TinyGpt2.Ids(RowB, RowA);
        var (_, src) = m.Model.RunWithCache(swapped, n => n == Z);
        using (src)
        {
            using var logits = m.Model.RunWithHooks(ids, (Z, Interventions.ResampleAblate(src[Z], new Selection(Positions: new[] { 3 }))));
            var zOf = new Dictionary<long, double[]>();
            m.Reference(RowB, Edit(Z, a => zOf[0] = (double[])a[3].Clone()));
            m.Reference(RowA, Edit(Z, a => zOf[1] = (double[])a[3].Clone()));
            AssertBothRows(m, logits, Edit(Z, a => a[3] = zOf[0]), Edit(Z, a => a[3] = zOf[1]), "hook_z[3] resampled from the swapped batch");
        }
    }

    [Fact]
    public void ResampleAblate_SourceShapeMismatch_ThrowsNamingShapes()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA);
        using var src = Tensor.Zeros(1, 4, TinyGpt2.D);
        var e = Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(ids, (ResidPre, Interventions.ResampleAblate(src))));
        Assert.Contains("[1, 4, 4]", e.Message);
        Assert.Contains("[1, 5, 4]", e.Message);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(1, 3)]
    public void AblateHeads_OnZ_EqualsHandComputationWithThatHeadZeroed(int head, int? position)
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA, RowB);
        var where = position is { } p0 ? new Selection(Positions: new[] { p0 }) : null;
        using var logits = m.Model.RunWithHooks(ids, (Z, Interventions.AblateHeads(new[] { head }, where)));
        var e = Edit(Z, a =>
        {
            for (int p = 0; p < a.Length; p++)
                if (position is null || position == p)
                    for (int k = 0; k < TinyGpt2.Dh; k++) a[p][head * TinyGpt2.Dh + k] = 0;
        });
        AssertBothRows(m, logits, e, e, $"head {head} ablated");
    }

    [Fact]
    public void AblateHeads_OnResidualHook_ThrowsNamingHookShape()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA);
        var e = Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(ids, (ResidPre, Interventions.AblateHeads(new[] { 0 }))));
        Assert.Contains("attn.hook_z", e.Message);
    }

    [Fact]
    public void AblateNeurons_OnMlpPost_EqualsHandComputationWithNeuronsZeroed()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.RunWithHooks(ids, (Post, Interventions.AblateNeurons(new[] { 0, 5 })));
        var e = Edit(Post, a => { foreach (var r in a) { r[0] = 0; r[5] = 0; } });
        AssertBothRows(m, logits, e, e, "neurons 0 and 5 ablated");
    }

    [Fact]
    public void AblateNeurons_OutOfRange_ThrowsNamingIndexAndSize()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA);
        var e = Assert.ThrowsAny<ArgumentException>(() => m.Model.RunWithHooks(ids, (Post, Interventions.AblateNeurons(new[] { 8 }))));
        Assert.Contains("index 8", e.Message);
        Assert.Contains("size 8", e.Message);
    }

    [Fact]
    public void Patch_OnePosition_MatchesHandComputationAndLeavesEarlierPositionsAlone()
    {
        var m = new TinyGpt2();
        using var clean = TinyGpt2.Ids(RowA);
        using var corrupt = TinyGpt2.Ids(RowB);
        var (_, cache) = m.Model.RunWithCache(clean, n => n == ResidPre);
        using (cache)
        {
            using var plain = m.Model.Run(corrupt);
            using var patched = m.Model.RunWithHooks(corrupt, (ResidPre, Interventions.Patch(cache, new Selection(Positions: new[] { 2 }))));
            double[]? cleanRow = null;
            m.Reference(RowA, Edit(ResidPre, a => cleanRow = (double[])a[2].Clone()));
            TinyGpt2.AssertLogits(m.Reference(RowB, Edit(ResidPre, a => a[2] = cleanRow!)), patched, 0, HandTol, "resid_pre[2] patched from clean");
            var p = plain.ToArray(); var q = patched.ToArray();
            for (int i = 0; i < 2 * TinyGpt2.V; i++) Assert.Equal(p[i], q[i]); // causal: positions 0 and 1 cannot see position 2
        }
    }

    [Fact]
    public void Patch_FromCacheWithoutThatHook_ThrowsAskingToCacheIt()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA);
        var (_, cache) = m.Model.RunWithCache(ids, n => n == Post);
        using (cache)
        {
            var e = Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(ids, (ResidPre, Interventions.Patch(cache))));
            Assert.Contains(ResidPre, e.Message);
            Assert.Contains("cache it", e.Message);
        }
    }

    [Fact]
    public void Patch_DifferentPromptLength_ThrowsSayingLengthsMustMatch()
    {
        var m = new TinyGpt2();
        using var clean = TinyGpt2.Ids(RowA);
        using var shorter = TinyGpt2.Ids(RowA[..4]);
        var (_, cache) = m.Model.RunWithCache(clean, n => n == ResidPre);
        using (cache)
        {
            var e = Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(shorter, (ResidPre, Interventions.Patch(cache))));
            Assert.Contains("same length", e.Message);
        }
    }

    [Fact]
    public void Steer_AtEmbed_AddsCoeffTimesVectorAtChosenPositionsDownstream()
    {
        var m = new TinyGpt2();
        const double coeff = 2.5;
        var v = new[] { 0.5f, -1f, 0.25f, 2f };
        using var vec = Tensor.FromArray(v, 4);
        using var ids = TinyGpt2.Ids(RowA, RowB);
        var (l0, c0) = m.Model.RunWithCache(ids, n => n == ResidPre);
        var (l1, c1) = m.Model.RunWithCache(ids, n => n == ResidPre, false, ("hook_embed", Interventions.Steer(vec, coeff, new[] { 1, -2 })));
        using (c0) using (c1) using (l0) using (l1)
        {
            var a = c0[ResidPre].ToArray(); var b = c1[ResidPre].ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                int p = i / TinyGpt2.D % RowA.Length;
                double want = a[i] + (p is 1 or 3 ? coeff * v[i % TinyGpt2.D] : 0);
                // (embed + c·v) + pos vs (embed + pos) + c·v: float32 reassociation only
                Assert.True(Math.Abs(b[i] - want) <= 1e-5, $"resid_pre[{i}] (pos {p}) = {b[i]}, expected {want}");
            }
        }
    }

    [Fact]
    public void Steer_AtFinalNormalized_ShiftsLogitsByHandComputedAmount()
    {
        var m = new TinyGpt2();
        const double coeff = -1.5;
        var v = new[] { 1f, 0.5f, -0.75f, 0.25f };
        using var vec = Tensor.FromArray(v, 4);
        using var ids = TinyGpt2.Ids(RowA, RowB);
        // the baseline also edits nothing at that hook, so both runs take the decomposed-norm path
        using var plain = m.Model.RunWithHooks(ids, (Normalized, (_, _) => null));
        using var steered = m.Model.RunWithHooks(ids, (Normalized, Interventions.Steer(vec, coeff, new[] { -1 })));
        // logits = (normalized ⊙ w + b) · W_Uᵀ, so adding c·v to normalized adds c·(v ⊙ w) · W_Uᵀ
        var (w, _) = m.W["ln_f.weight"]; var (wu, _) = m.W["wte.weight"];
        var p = plain.ToArray(); var s = steered.ToArray();
        int T = RowA.Length;
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < T; t++)
                for (int tok = 0; tok < TinyGpt2.V; tok++)
                {
                    int i = (b * T + t) * TinyGpt2.V + tok;
                    double delta = t == T - 1 ? coeff * Enumerable.Range(0, 4).Sum(k => v[k] * w[k] * wu[tok * 4 + k]) : 0;
                    if (t < T - 1) Assert.Equal(p[i], s[i]);   // untouched positions are bit-identical
                    else Assert.True(Math.Abs(s[i] - p[i] - delta) <= 1e-5, $"logit[{b},{t},{tok}] moved by {s[i] - p[i]}, expected {delta}");
                }
    }

    [Fact]
    public void Steer_AtResidPost_MatchesHandComputation()
    {
        var m = new TinyGpt2();
        var v = new[] { 0.25f, 0.5f, -1f, 1f };
        using var vec = Tensor.FromArray(v, 4);
        using var ids = TinyGpt2.Ids(RowA, RowB);
        using var logits = m.Model.RunWithHooks(ids, (ResidPost, Interventions.Steer(vec, 3.0, new[] { 0, 4 })));
        var e = Edit(ResidPost, a => { foreach (var p in new[] { 0, 4 }) for (int k = 0; k < 4; k++) a[p][k] += 3.0 * v[k]; });
        AssertBothRows(m, logits, e, e, "resid_post steered at 0 and 4");
    }

    [Fact]
    public void Steer_WrongVectorLength_ThrowsNamingExpectedShape()
    {
        var m = new TinyGpt2();
        using var ids = TinyGpt2.Ids(RowA);
        using var vec = Tensor.Zeros(TinyGpt2.M);
        var e = Assert.Throws<ArgumentException>(() => m.Model.RunWithHooks(ids, (ResidPre, Interventions.Steer(vec, 1.0))));
        Assert.Contains("[4]", e.Message);
        Assert.Contains("[8]", e.Message);
    }
}

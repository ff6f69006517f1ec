// TransformerLens weight processing at load: every flag alone and together keeps log-probs, and each leaves
// the mark it promises (parameter-free norms, zero-mean residual writers, zero-mean W_U, zero b_V).
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Runtime;

public class WeightProcessingTests
{
    /// <summary>Log-probs of processed vs unprocessed models: the rewrites are exact in real arithmetic, so only
    /// float32 rounding of the rewritten weights (~1e-7 relative) carried through two layers and a LogSoftmax
    /// over ~100 logits remains. Observed ≤ 1.5e-6 (3 ulp of log-probs near -4.6); 1e-5 leaves a 7x margin and
    /// still catches any mis-folded weight (which moves log-probs by > 1e-2 on these random fixtures).</summary>
    private const double LogProbTol = 1e-5;
    /// <summary>Activations recomputed from rewritten weights (normalized, logit shifts): same reasoning.</summary>
    private const double ActTol = 1e-4;
    /// <summary>A mean over d_model (64) or the vocabulary (~100) of centred float32 values: rounding only.</summary>
    private const double MeanTol = 1e-5;

    private static readonly WeightProcessing FoldLn = new(FoldLn: true), CenterWriting = new(CenterWritingWeights: true),
        CenterUnembedOnly = new(CenterUnembed: true), FoldValue = new(FoldValueBiases: true), All = new(true, true, true, true),
        AllRms = new(FoldLn: true, CenterUnembed: true, FoldValueBiases: true);

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var f in Fixture.Models)
            foreach (var c in new[] { "fold_ln", "center_writing_weights", "center_unembed", "fold_value_biases", "all" })
                if (!(f == "llama-tiny" && c == "center_writing_weights")) d.Add(f, c);
        return d;
    }

    private static WeightProcessing Flags(string fixture, string c) => c switch
    {
        "fold_ln" => FoldLn,
        "center_writing_weights" => CenterWriting,
        "center_unembed" => CenterUnembedOnly,
        "fold_value_biases" => FoldValue,
        _ => fixture == "llama-tiny" ? AllRms : All, // RMSNorm: everything that makes sense
    };

    private static Tensor Ids(string fixture)
    {
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(fixture), "reference.safetensors"));
        return refs.Load("input_ids");
    }

    private static float[] LogProbs(HookedTransformer m, Tensor ids)
    {
        using var logits = m.Run(ids);
        using var lp = TensorOps.LogSoftmax(logits, -1);
        return lp.ToArray();
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        return worst;
    }

    /// <summary>Means over the last axis of a [..., n] tensor.</summary>
    private static double[] LastAxisMeans(Tensor t)
    {
        var a = t.ToArray(); int n = t.Shape[^1];
        var r = new double[a.Length / n];
        for (int i = 0; i < r.Length; i++) { double s = 0; for (int j = 0; j < n; j++) s += a[i * n + j]; r[i] = s / n; }
        return r;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_WithProcessing_LogProbsMatchUnprocessed(string fixture, string flags)
    {
        var p = Flags(fixture, flags);
        var plain = ModelLoader.Load(Fixture.Dir(fixture));
        var processed = ModelLoader.Load(Fixture.Dir(fixture), p);
        using var ids = Ids(fixture);
        double d = MaxAbsDiff(LogProbs(plain, ids), LogProbs(processed, ids));
        Assert.True(d <= LogProbTol, $"{fixture} {p}: max |Δ log-prob| {d:E3} > {LogProbTol:E1}");
        Assert.Equal(p, processed.Processing);
        Assert.Equal(WeightProcessing.None, plain.Processing);
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void FoldLn_Fixture_NormsLoseParametersAndNormalizedUnchanged(string fixture)
    {
        var plain = ModelLoader.Load(Fixture.Dir(fixture));
        var folded = ModelLoader.Load(Fixture.Dir(fixture), FoldLn);
        for (int l = 0; l < folded.Config.NLayers; l++)
        {
            Assert.Equal((null, null), folded.Arch.Ln1(l));
            Assert.Equal((null, null), folded.Arch.Ln2(l));
            Assert.NotNull(plain.Arch.Ln1(l).w);
        }
        Assert.Equal((null, null), folded.Arch.LnFinal());
        foreach (var norm in plain.Arch.Roles().Layers.SelectMany(r => new[] { r.Ln1, r.Ln2 }).Append(plain.Arch.Roles().LnFinal))
        {
            Assert.True(plain.Parameters.ContainsKey(norm.Weight));
            Assert.False(folded.Parameters.ContainsKey(norm.Weight), $"{norm.Weight} still loaded after fold_ln");
            if (norm.Bias is not null) Assert.False(folded.Parameters.ContainsKey(norm.Bias));
        }

        using var ids = Ids(fixture);
        static bool Normalized(string h) => h.EndsWith("hook_normalized", StringComparison.Ordinal);
        var (l1, c1) = plain.RunWithCache(ids, Normalized);
        var (l2, c2) = folded.RunWithCache(ids, Normalized);
        var names = plain.HookNames.Where(Normalized).ToList();
        Assert.Equal(2 * plain.Config.NLayers + 1, names.Count);
        foreach (var h in names)
            GradCheckFree.AssertClose(c1[h].ToArray(), c2[h].ToArray(), ActTol, h);
        c1.Dispose(); c2.Dispose(); l1.Dispose(); l2.Dispose();
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void FoldLn_Fixture_ReadersScaledAndCentredOnlyForLayerNorm(string fixture)
    {
        var plain = ModelLoader.Load(Fixture.Dir(fixture));
        var folded = ModelLoader.Load(Fixture.Dir(fixture), FoldLn);
        bool layerNorm = plain.Config.Norm == NormKind.LayerNorm;
        var roles = plain.Arch.Roles();
        static double[] InputAxisMeans(Tensor w, bool outIn) { using var t = outIn ? w.Detach() : w.T; return LastAxisMeans(t); }
        int checkedReaders = 0; double before = 0;
        foreach (var norm in roles.Layers.SelectMany(r => new[] { r.Ln1, r.Ln2 }))
            foreach (var lin in norm.Readers)
            {
                var after = folded.Parameters[lin.Weight];
                before = Math.Max(before, InputAxisMeans(plain.Parameters[lin.Weight], lin.OutIn).Max(Math.Abs));
                if (layerNorm)
                    Assert.True(InputAxisMeans(after, lin.OutIn).Max(Math.Abs) <= MeanTol, $"{lin.Weight} not centred over d_model");
                else
                {   // RMSNorm: exactly diag(w)·W, no centring
                    var w = plain.Parameters[norm.Weight].ToArray(); var w0 = plain.Parameters[lin.Weight].ToArray(); var w1 = after.ToArray();
                    int inDim = w.Length;
                    for (int i = 0; i < w0.Length; i++) w0[i] *= w[lin.OutIn ? i % inDim : i / (w0.Length / inDim)];
                    GradCheckFree.AssertClose(w0, w1, 1e-6, lin.Weight); // one float32 multiply each
                }
                checkedReaders++;
            }
        Assert.True(checkedReaders >= 2 * plain.Config.NLayers);
        Assert.True(before > 1e-3, "fixture readers already centred: the test could not fail");
    }

    [Fact]
    public void FoldLn_TiedGpt2_CreatesOwnUnembedAndKeepsEmbedding()
    {
        var plain = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        var folded = ModelLoader.Load(Fixture.Dir("gpt2-tiny"), FoldLn);
        Assert.True(plain.Config.TiedEmbeddings);
        Assert.False(plain.Parameters.ContainsKey("lm_head.weight"));
        Assert.True(folded.Parameters.ContainsKey("lm_head.weight"));
        Assert.True(folded.Parameters.ContainsKey("unembed.bias")); // ln_f.bias·W_U
        Assert.Equal(plain.Parameters["wte.weight"].ToArray(), folded.Parameters["wte.weight"].ToArray());
        Assert.True(MaxAbsDiff(plain.Parameters["wte.weight"].ToArray(), folded.Parameters["lm_head.weight"].ToArray()) > 1e-2);
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("neox-tiny")]
    public void CenterWritingWeights_LayerNormFixture_EveryResidualWriteHasZeroMean(string fixture)
    {
        var plain = ModelLoader.Load(Fixture.Dir(fixture));
        var centred = ModelLoader.Load(Fixture.Dir(fixture), CenterWriting);
        using var ids = Ids(fixture);
        static bool Writes(string h) => h is HookTable.EmbedName or HookTable.PosEmbedName
            || h.EndsWith("hook_attn_out", StringComparison.Ordinal) || h.EndsWith("hook_mlp_out", StringComparison.Ordinal)
            || h.Contains("hook_resid_", StringComparison.Ordinal);
        var (l1, c1) = plain.RunWithCache(ids, Writes);
        var (l2, c2) = centred.RunWithCache(ids, Writes);
        var names = plain.HookNames.Where(Writes).ToList();
        Assert.True(names.Count >= 4 * plain.Config.NLayers);
        double before = 0;
        foreach (var h in names)
        {
            before = Math.Max(before, LastAxisMeans(c1[h]).Max(Math.Abs));
            double after = LastAxisMeans(c2[h]).Max(Math.Abs);
            Assert.True(after <= MeanTol, $"{h}: |mean over d_model| {after:E2} > {MeanTol:E0} after center_writing_weights");
        }
        Assert.True(before > 1e-3, "fixture residual writes already had zero mean: the test could not fail");
        c1.Dispose(); c2.Dispose(); l1.Dispose(); l2.Dispose();
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void CenterUnembed_Fixture_VocabMeanZeroAndLogitsShiftByConstant(string fixture)
    {
        var plain = ModelLoader.Load(Fixture.Dir(fixture));
        var centred = ModelLoader.Load(Fixture.Dir(fixture), CenterUnembedOnly);
        var u = centred.Arch.Roles().Unembed; // [d_vocab, d_model] as stored
        Assert.True(u.OutIn);
        using var wu = centred.Parameters[u.Weight].T; // [d_model, d_vocab]
        Assert.True(LastAxisMeans(wu).Max(Math.Abs) <= MeanTol);
        var wu0 = plain.Parameters.GetValueOrDefault(u.Weight) ?? plain.Parameters[plain.Arch.Roles().TiedTo!];
        using var wu0t = wu0.T;
        Assert.True(LastAxisMeans(wu0t).Max(Math.Abs) > 1e-3, "unprocessed W_U already had zero vocab mean: the test could not fail");

        using var ids = Ids(fixture);
        using var a = plain.Run(ids); using var b = centred.Run(ids);
        var fa = a.ToArray(); var fb = b.ToArray(); int v = a.Shape[^1];
        double spreadMax = 0, shiftMax = 0;
        for (int row = 0; row < fa.Length / v; row++)
        {
            double lo = double.MaxValue, hi = double.MinValue;
            for (int j = 0; j < v; j++) { double d = (double)fb[row * v + j] - fa[row * v + j]; lo = Math.Min(lo, d); hi = Math.Max(hi, d); }
            spreadMax = Math.Max(spreadMax, hi - lo); shiftMax = Math.Max(shiftMax, Math.Abs(lo));
        }
        Assert.True(spreadMax <= ActTol, $"logit shift varies over the vocabulary by {spreadMax:E2}");
        Assert.True(shiftMax > 1e-3, "logits did not move at all: center_unembed did nothing");
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("neox-tiny")]
    public void FoldValueBiases_Fixture_ValueBiasZeroAndHookVUnbiased(string fixture)
    {
        var plain = ModelLoader.Load(Fixture.Dir(fixture));
        var folded = ModelLoader.Load(Fixture.Dir(fixture), FoldValue);
        var cfg = folded.Config;
        foreach (var (layer, l) in folded.Arch.Roles().Layers.Select((x, i) => (x, i)))
        {
            var v = layer.Values;
            var b0 = plain.Parameters[v.Bias].ToArray(); var b1 = folded.Parameters[v.Bias].ToArray();
            var isV = new bool[b0.Length];
            for (int g = 0; g < cfg.NKvHeads; g++) for (int j = 0; j < cfg.DHead; j++) isV[v.Start + g * v.HeadStride + j] = true;
            Assert.Equal(cfg.NKvHeads * cfg.DHead, isV.Count(x => x));
            for (int i = 0; i < b0.Length; i++)
                Assert.Equal(isV[i] ? 0f : b0[i], b1[i]); // v part zeroed, q and k untouched
            Assert.Contains(b0.Where((_, i) => isV[i]), x => x != 0);
            Assert.True(MaxAbsDiff(plain.Parameters[v.Output.Bias!].ToArray(), folded.Parameters[v.Output.Bias!].ToArray()) > 1e-3, $"layer {l}: b_O unchanged");
        }
        // hook_v of the folded model is x·W_V alone: the unprocessed hook_v minus layer 0's b_V.
        using var ids = Ids(fixture);
        var hv = new LayerHooks(0, cfg).V;
        var v0 = plain.Arch.Roles().Layers[0].Values;
        var bias = plain.Parameters[v0.Bias].ToArray();
        var (_, c1) = plain.RunWithCache(ids, h => h == hv);
        var (_, c2) = folded.RunWithCache(ids, h => h == hv);
        var a = c1[hv].ToArray(); // [batch, pos, n_kv_heads, d_head]
        int dh = cfg.DHead, nkv = cfg.NKvHeads;
        for (int i = 0; i < a.Length; i++) a[i] -= bias[v0.Start + i / dh % nkv * v0.HeadStride + i % dh];
        GradCheckFree.AssertClose(a, c2[hv].ToArray(), ActTol, hv);
        c1.Dispose(); c2.Dispose();
    }

    [Fact]
    public void FoldValueBiases_GroupedQueryWithBiases_LogProbsMatchAndOutputBiasCreated()
    {
        // qwen2-style: llama-tiny (4 query heads sharing 2 kv heads) given random q/k/v biases.
        var plain = ModelLoader.Load(Fixture.Dir("llama-tiny"));
        var folded = ModelLoader.Load(Fixture.Dir("llama-tiny"));
        var cfg = plain.Config;
        foreach (var m in new[] { plain, folded })
        {
            var r2 = new Random(1234);
            for (int l = 0; l < cfg.NLayers; l++)
                foreach (var (name, n) in new[] { ("q_proj", cfg.NHeads), ("k_proj", cfg.NKvHeads), ("v_proj", cfg.NKvHeads) })
                {
                    var b = new float[n * cfg.DHead];
                    for (int i = 0; i < b.Length; i++) b[i] = (float)(r2.NextDouble() - 0.5);
                    m.Arch.SetWeight($"model.layers.{l}.self_attn.{name}.bias", Tensor.FromArray(b));
                }
        }
        WeightProcessor.Apply(folded, FoldValue);
        using var ids = Ids("llama-tiny");
        double d = MaxAbsDiff(LogProbs(plain, ids), LogProbs(folded, ids));
        Assert.True(d <= LogProbTol, $"max |Δ log-prob| {d:E3}");
        var o = folded.Arch.Roles().Layers[0].Values.Output;
        Assert.False(plain.Parameters.ContainsKey(o.Bias!));
        Assert.True(folded.Parameters[o.Bias!].ToArray().Max(Math.Abs) > 1e-3, "o_proj.bias not created from b_V");
        Assert.All(folded.Parameters["model.layers.1.self_attn.v_proj.bias"].ToArray(), x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(false, false, false, false, "none")]
    [InlineData(true, false, true, false, "fold_ln,center_unembed")]
    [InlineData(true, true, true, true, "fold_ln,center_writing_weights,center_unembed,fold_value_biases")]
    public void Processing_ToString_ListsWhatWasApplied(bool fold, bool cww, bool cu, bool fvb, string expected)
    {
        var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"), new WeightProcessing(fold, cww, cu, fvb));
        Assert.Equal(expected, m.Processing.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_CenterWritingWeightsOnRmsNorm_ThrowsClearly(bool withFold)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelLoader.Load(Fixture.Dir("llama-tiny"), new WeightProcessing(FoldLn: withFold, CenterWritingWeights: true)));
        Assert.Contains("center_writing_weights", e.Message);
        Assert.Contains("RMSNorm", e.Message);
    }

    [Fact]
    public void Apply_AlreadyProcessedModel_Throws()
    {
        var m = ModelLoader.Load(Fixture.Dir("neox-tiny"), FoldLn);
        var e = Assert.Throws<InvalidOperationException>(() => WeightProcessor.Apply(m, CenterUnembedOnly));
        Assert.Contains("already processed", e.Message);
        Assert.Equal(FoldLn, m.Processing);
    }

    [Fact]
    public void Apply_ModelThatHasRun_Throws()
    {
        var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Ids("gpt2-tiny");
        m.Run(ids).Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => WeightProcessor.Apply(m, FoldLn));
        Assert.Contains("before the model runs", e.Message);
        Assert.Equal(WeightProcessing.None, m.Processing);
    }
}

// SAE folders: save/load round trips for every architecture (bit-exact), a hand-written old-style cfg.json, bf16
// storage, sparsity.safetensors, the folds SAELens applies in its forward, and bad input with clear messages.
using Interp.Tensors;
using Interp.Tensors.IO;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Format;

public sealed class SaeFilesTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private string WriteFolder(string name, string cfgJson, params (string name, Tensor t)[] tensors)
    {
        var dir = _tmp.Sub(name);
        File.WriteAllText(Path.Combine(dir, "cfg.json"), cfgJson);
        SafetensorsWriter.Write(Path.Combine(dir, SaeFiles.WeightsFile), tensors);
        foreach (var (_, t) in tensors) t.Dispose();
        return dir;
    }

    private static (string, Tensor) W(string name, double[] v, params int[] shape) => (name, T(v, DType.F32, shape));

    [Theory]
    [InlineData("standard", "standard")]
    [InlineData("topk", "topk")]
    [InlineData("jumprelu", "jumprelu")]
    [InlineData("batchtopk", "jumprelu")]
    public void SaveLoad_EachArchitecture_RoundTripsTensorsBitExactly(string arch, string savedAs)
    {
        using var sae = Random(Cfg(arch, 6, 10, k: arch == "topk" ? 3 : arch == "batchtopk" ? 2.5 : null) with { HookHeadIndex = null, ContextSize = 32 }, 7);
        sae.LogSparsity = T(Enumerable.Range(0, 10).Select(i => -1.0 - i / 4.0).ToArray(), DType.F32, 10);
        var dir = _tmp.Sub(arch);
        sae.Save(dir);
        using var back = Sae.Load(dir);
        Assert.Equal(savedAs, back.Cfg.Architecture);
        Assert.Equal(sae.Cfg with { Architecture = savedAs }, back.Cfg with { Extra = sae.Cfg.Extra, MetadataExtra = sae.Cfg.MetadataExtra });
        Assert.Equal(sae.Tensors.Keys.Order(), back.Tensors.Keys.Order());
        foreach (var (name, t) in sae.Tensors) Assert.Equal(t.ToArray(), back.Tensors[name].ToArray());
        Assert.Equal(sae.LogSparsity.ToArray(), back.LogSparsity!.ToArray());
        // the reloaded SAE computes the same thing
        using var x = new Rng(3).Normal(new[] { 4, 6 });
        using var a = sae.Forward(x);
        using var b = back.Forward(x);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void Load_HandWrittenOldStyleCfg_EncodesAsHandComputed()
    {
        // pre-6 spelling; normalize_activations false; apply_b_dec_to_input absent (defaults to true)
        var dir = WriteFolder("old", """
            {"model_name": "gpt2-tiny", "hook_point": "blocks.0.hook_resid_pre", "hook_point_layer": 0, "hook_point_head_index": null,
             "d_in": 2, "d_sae": 3, "activation_fn_str": "relu", "normalize_activations": false, "dtype": "float32", "device": "cpu",
             "context_size": 64, "prepend_bos": true, "finetuning_scaling_factor": false}
            """,
            W("W_enc", new[] { 1, -1, 0.5, 2, 0, -1 }, 2, 3), W("b_enc", new[] { 0.1, 0.2, -0.3 }, 3),
            W("W_dec", new double[] { 1, 0, 0, 1, 1, 1 }, 3, 2), W("b_dec", new[] { 0.5, -0.5 }, 2));
        using var sae = Sae.Load(dir);
        Assert.Equal(("standard", "blocks.0.hook_resid_pre", true), (sae.Cfg.Architecture, sae.Cfg.HookName, sae.Cfg.ApplyBDecToInput));
        using var x = T(new double[] { 1, 2 }, DType.F32, 1, 2);
        using var f = sae.Encode(x);
        Close(new[] { 5.6, 0, 0 }, f, 1e-6, "acts");   // pre = (x - b_dec) W_enc + b_enc = [5.6, -0.3, -2.55]
    }

    [Fact]
    public void SaveLoad_Bfloat16Storage_RoundTripsStoredBits()
    {
        using var sae = Random(Cfg("standard", 4, 8) with { DType = SaeDType.Bfloat16 }, 11);
        var dir = _tmp.Sub("bf16");
        sae.Save(dir);
        using (var f = SafetensorsFile.Open(Path.Combine(dir, SaeFiles.WeightsFile)))
            Assert.Equal(DType.BF16, f.Info("W_enc").DType);
        using var once = Sae.Load(dir);
        var dir2 = _tmp.Sub("bf16-again");
        once.Save(dir2);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, SaeFiles.WeightsFile)), File.ReadAllBytes(Path.Combine(dir2, SaeFiles.WeightsFile)));
        // narrowing to bf16 keeps 8 mantissa bits: relative error below 2^-8
        Close(D(sae.WEnc), once.WEnc, 4e-3 * D(sae.WEnc).Max(Math.Abs), "bf16 W_enc");
    }

    [Fact]
    public void Load_BatchTopKCheckpointWithScalarThreshold_BecomesJumpReluThreshold()
    {
        var dir = WriteFolder("btk", """{"architecture": "batchtopk", "d_in": 2, "d_sae": 3, "k": 1.5, "apply_b_dec_to_input": false, "hook_name": "hook_embed"}""",
            W("W_enc", new double[] { 1, 0, 1, 0, 1, 1 }, 2, 3), W("b_enc", new double[] { 0, 0, 0 }, 3),
            W("W_dec", new double[] { 1, 0, 0, 1, 1, 1 }, 3, 2), W("b_dec", new double[] { 0, 0 }, 2),
            ("topk_threshold", Tensor.ScalarOf(1.2)));
        using var sae = Sae.Load(dir);
        Close(new[] { 1.2, 1.2, 1.2 }, sae.Threshold!, 1e-7, "threshold");
        using var x = T(new double[] { 1, 1.5 }, DType.F32, 2);
        using var f = sae.Encode(x);
        Close(new[] { 0, 1.5, 2.5 }, f, 1e-6, "acts");   // pre [1, 1.5, 2.5]; 1 <= 1.2 is dropped
        var saved = _tmp.Sub("btk-saved");
        sae.Save(saved);
        Assert.Contains("\"architecture\": \"jumprelu\"", File.ReadAllText(Path.Combine(saved, "cfg.json")));
    }

    [Fact]
    public void Load_RescaleActsByDecoderNorm_FoldedIntoWeights()
    {
        // SAELens: pre' = pre·‖W_dec row‖, acts = TopK(pre'), recon = (acts / ‖W_dec row‖) W_dec. Row norms [5, 0, 2].
        var dir = WriteFolder("rescale", """{"architecture": "topk", "d_in": 2, "d_sae": 3, "k": 1, "apply_b_dec_to_input": false, "rescale_acts_by_decoder_norm": true}""",
            W("W_enc", new double[] { 1, 0, 1, 0, 1, 1 }, 2, 3), W("b_enc", new double[] { 0, 0, 0 }, 3),
            W("W_dec", new double[] { 3, 4, 0, 0, 0, 2 }, 3, 2), W("b_dec", new double[] { 0, 0 }, 2));
        using var sae = Sae.Load(dir);
        using var x = T(new double[] { 1, 1 }, DType.F32, 2);
        using var f = sae.Encode(x);
        using var r = sae.Forward(x);
        Close(new[] { 5.0, 0, 0 }, f, 1e-6, "acts");      // pre [1, 1, 2] · [5, 0, 2] = [5, 0, 4]
        Close(new[] { 3.0, 4 }, r, 1e-6, "recon");        // (5 / 5) · [3, 4]
    }

    [Fact]
    public void Load_FinetuningScalingFactor_ScalesDecoderRows()
    {
        var dir = WriteFolder("ft", """{"d_in": 2, "d_sae": 2, "apply_b_dec_to_input": false, "finetuning_scaling_factor": true}""",
            W("W_enc", new double[] { 1, 0, 0, 1 }, 2, 2), W("b_enc", new double[] { 0, 0 }, 2),
            W("W_dec", new double[] { 1, 0, 0, 1 }, 2, 2), W("b_dec", new double[] { 0, 0 }, 2), W("scaling_factor", new double[] { 2, 3 }, 2));
        using var sae = Sae.Load(dir);
        using var x = T(new double[] { 1, 1 }, DType.F32, 2);
        using var r = sae.Forward(x);
        Close(new[] { 2.0, 3 }, r, 1e-6, "recon = (acts · scaling_factor) W_dec");
    }

    [Fact]
    public void Load_F64_ComputesInF64()
    {
        using var sae = Random(Cfg("standard", 3, 4), 5);
        var dir = _tmp.Sub("f64");
        sae.Save(dir);
        using var back = Sae.Load(dir, DType.F64);
        Assert.Equal(DType.F64, back.DType);
        Assert.Equal(DType.F64, back.BDec.DType);
    }

    // ---- bad input ----

    [Fact]
    public void Load_MissingFolderOrFiles_ThrowsNamingThem()
    {
        Assert.Throws<DirectoryNotFoundException>(() => Sae.Load(_tmp.File("nope")));
        var empty = _tmp.Sub("empty");
        Assert.Contains("has no cfg.json", Assert.Throws<FileNotFoundException>(() => Sae.Load(empty)).Message);
        File.WriteAllText(Path.Combine(empty, "cfg.json"), """{"d_in": 2, "d_sae": 2}""");
        Assert.Contains("no sae_weights.safetensors", Assert.Throws<FileNotFoundException>(() => Sae.Load(empty)).Message);
    }

    [Fact]
    public void Load_MissingTensor_NamesItAndWhatTheArchitectureNeeds()
    {
        var dir = WriteFolder("missing", """{"architecture": "jumprelu", "d_in": 2, "d_sae": 2}""",
            W("W_enc", new double[4], 2, 2), W("b_enc", new double[2], 2), W("W_dec", new double[4], 2, 2), W("b_dec", new double[2], 2));
        var e = Assert.Throws<SaeFormatException>(() => Sae.Load(dir));
        Assert.Contains("has no threshold", e.Message);
        Assert.Contains("needs W_enc, b_enc, W_dec, b_dec, threshold", e.Message);
    }

    [Fact]
    public void Load_WrongShape_SaysWhatCfgJsonNeeds()
    {
        var dir = WriteFolder("shape", """{"d_in": 2, "d_sae": 3}""",
            W("W_enc", new double[6], 3, 2), W("b_enc", new double[3], 3), W("W_dec", new double[6], 3, 2), W("b_dec", new double[2], 2));
        var e = Assert.Throws<SaeFormatException>(() => Sae.Load(dir));
        Assert.Contains("W_enc has shape [3, 2]", e.Message);
        Assert.Contains("need [2, 3]", e.Message);
    }

    [Theory]
    [InlineData("W_dec", double.NaN, "W_dec holds NaN at [1, 0]")]
    [InlineData("b_enc", double.PositiveInfinity, "b_enc holds +Inf at [1]")]
    public void Load_NonFiniteWeight_NamesTensorAndIndex(string tensor, double bad, string expected)
    {
        var v = new Dictionary<string, double[]> { ["W_enc"] = new double[4], ["b_enc"] = new double[2], ["W_dec"] = new double[4], ["b_dec"] = new double[2] };
        v[tensor][tensor == "W_dec" ? 2 : 1] = bad;
        var dir = WriteFolder("nan" + tensor, """{"d_in": 2, "d_sae": 2}""",
            W("W_enc", v["W_enc"], 2, 2), W("b_enc", v["b_enc"], 2), W("W_dec", v["W_dec"], 2, 2), W("b_dec", v["b_dec"], 2));
        var e = Assert.Throws<SaeFormatException>(() => Sae.Load(dir));
        Assert.Contains(expected, e.Message);
        Assert.Contains("must be finite", e.Message);
    }

    [Fact]
    public void Load_UnknownArchitecture_ListsSupportedOnes()
    {
        var dir = WriteFolder("gated", """{"architecture": "gated", "d_in": 2, "d_sae": 2}""", W("W_enc", new double[4], 2, 2));
        var e = Assert.Throws<SaeFormatException>(() => Sae.Load(dir));
        Assert.Contains("unknown SAE architecture 'gated'", e.Message);
        Assert.Contains("standard, topk, batchtopk, jumprelu", e.Message);
    }

    [Theory]
    [InlineData("""{"architecture": "topk", "d_in": 2, "d_sae": 2}""", "needs k")]
    [InlineData("""{"architecture": "topk", "d_in": 2, "d_sae": 2, "k": 3}""", "whole number in 1..d_sae (2)")]
    [InlineData("""{"d_in": 2, "d_sae": 2, "normalize_activations": "layer_norm"}""", "\"layer_norm\", which is not supported")]
    [InlineData("""{"d_in": 2, "d_sae": 2, "finetuning_scaling_factor": true}""", "no scaling_factor tensor")]
    [InlineData("""{"d_in": 2, "d_sae": 2, "scaling": 1}""", "unknown key \"scaling\"")]
    public void Load_BadArchitectureSettings_Throw(string cfg, string expected)
    {
        var dir = WriteFolder("bad" + Math.Abs(cfg.GetHashCode()), cfg,
            W("W_enc", new double[4], 2, 2), W("b_enc", new double[2], 2), W("W_dec", new double[4], 2, 2), W("b_dec", new double[2], 2));
        Assert.Contains(expected, Assert.ThrowsAny<Interp.Errors.InterpException>(() => Sae.Load(dir)).Message);
    }

    [Fact]
    public void Load_SparsityWrongShape_Throws()
    {
        using var sae = Random(Cfg("standard", 2, 3), 1);
        var dir = _tmp.Sub("sp");
        sae.Save(dir);
        SafetensorsWriter.Write(Path.Combine(dir, SaeFiles.SparsityFile), new[] { ("sparsity", Tensor.Zeros(4)) });
        Assert.Contains("'sparsity' must be a float [3]", Assert.Throws<SaeFormatException>(() => Sae.Load(dir)).Message);
    }
}

// Bad checkpoints, configs, token ids and hook names: each fails with the expected exception type and a
// message that names the problem (the key, tensor, shape or id) and the way out.
using Interp.Tensors;

namespace Interp.Models.Tests.Runtime;

public class BadInputTests
{
    [Fact]
    public void Load_UnknownModelType_ListsSupportedTypes()
    {
        using var ck = new TempCheckpoint("gpt2-tiny").EditConfig(c => c["model_type"] = "bert");
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("\"bert\" is not supported", e.Message);
        Assert.Contains("gpt2, llama, mistral, qwen2, gpt_neox", e.Message);
    }

    [Fact]
    public void Load_NoModelType_ListsSupportedTypes()
    {
        using var ck = new TempCheckpoint("llama-tiny").EditConfig(c => c.Remove("model_type"));
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("no \"model_type\"", e.Message);
        Assert.Contains("gpt_neox", e.Message);
    }

    [Fact]
    public void Create_UnknownModelType_ListsSupportedTypes()
    {
        var cfg = TinyGpt2.Config with { ModelType = "t5" };
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Create(cfg, new Dictionary<string, Tensor>()));
        Assert.Contains("\"t5\"", e.Message);
        Assert.Contains("gpt2, llama", e.Message);
    }

    [Theory]
    [InlineData("gpt2-tiny", "n_head", "n_embd")]
    [InlineData("neox-tiny", "num_attention_heads", "hidden_size")]
    [InlineData("llama-tiny", "num_attention_heads", "hidden_size")]
    public void Load_HeadsNotDividingDModel_NamesBothKeys(string fixture, string headsKey, string dKey)
    {
        using var ck = new TempCheckpoint(fixture).EditConfig(c => { c[headsKey] = 6; if (c.ContainsKey("num_key_value_heads")) c["num_key_value_heads"] = 6; });
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains($"\"{dKey}\" (64) is not divisible by \"{headsKey}\" (6)", e.Message);
    }

    [Fact]
    public void Load_ZeroHeads_ThrowsConfigErrorNotDivideByZero()
    {
        using var ck = new TempCheckpoint("gpt2-tiny").EditConfig(c => c["n_head"] = 0);
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("\"n_head\" (0)", e.Message);
    }

    [Fact]
    public void Load_KvHeadsNotDividingHeads_Explains()
    {
        using var ck = new TempCheckpoint("llama-tiny").EditConfig(c => c["num_key_value_heads"] = 3);
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("\"num_attention_heads\" (4) is not a multiple of \"num_key_value_heads\" (3)", e.Message);
        Assert.Equal("num_key_value_heads", e.Key);
    }

    [Fact]
    public void Load_MissingIntegerKey_NamesIt()
    {
        using var ck = new TempCheckpoint("gpt2-tiny").EditConfig(c => c["n_layer"] = "two");
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("\"n_layer\"", e.Message);
    }

    [Fact]
    public void Load_UnsupportedActivation_ListsSupported()
    {
        using var ck = new TempCheckpoint("neox-tiny").EditConfig(c => c["hidden_act"] = "mish");
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("\"mish\"", e.Message);
        Assert.Contains("silu", e.Message);
    }

    [Fact]
    public void Load_ConfigNotJson_SaysSo()
    {
        using var ck = new TempCheckpoint("gpt2-tiny");
        File.WriteAllText(ck.ConfigPath, "{ \"model_type\": ");
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Load_NoConfig_SaysWhatAFolderHolds()
    {
        using var ck = new TempCheckpoint("gpt2-tiny");
        File.Delete(ck.ConfigPath);
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("no config.json", e.Message);
    }

    [Fact]
    public void Load_NoWeights_ThrowsFileNotFound()
    {
        using var ck = new TempCheckpoint("gpt2-tiny");
        File.Delete(ck.WeightsPath);
        var e = Assert.Throws<Interp.Errors.InterpException>(() => ModelLoader.Load(ck.Dir));
        Assert.Equal(Interp.Errors.ErrorKind.NotFound, e.Kind);
        Assert.Contains(ck.Dir, e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Load_MissingFolder_ThrowsDirectoryNotFound()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => ModelLoader.Load(Path.Combine(Path.GetTempPath(), "interp-no-such-model")));
        Assert.Contains("interp-no-such-model", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Theory]
    [InlineData("gpt2-tiny", "h.1.mlp.c_fc.bias")]
    [InlineData("llama-tiny", "model.layers.1.mlp.up_proj.weight")]
    [InlineData("neox-tiny", "embed_out.weight")]
    public void Load_MissingTensor_NamesIt(string fixture, string tensor)
    {
        using var ck = new TempCheckpoint(fixture).EditWeights(w => { w[tensor].Dispose(); w.Remove(tensor); });
        var e = Assert.Throws<InvalidDataException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("lacks 1 tensor", e.Message);
        Assert.Contains(tensor, e.Message);
    }

    [Fact]
    public void Load_UnexpectedTensor_NamesIt()
    {
        using var ck = new TempCheckpoint("gpt2-tiny").EditWeights(w => w["h.0.attn.c_extra.weight"] = Tensor.Zeros(4, 4));
        var e = Assert.Throws<InvalidDataException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("h.0.attn.c_extra.weight", e.Message);
        Assert.Contains("does not use", e.Message);
    }

    [Fact]
    public void Load_LayerBeyondConfig_ReportedAsUnexpected()
    {
        // a 2-layer checkpoint with a config that says 1 layer: layer 1's tensors are unused
        using var ck = new TempCheckpoint("neox-tiny").EditConfig(c => c["num_hidden_layers"] = 1);
        var e = Assert.Throws<InvalidDataException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("gpt_neox.layers.1.", e.Message);
        Assert.Contains("Does config.json match the weights?", e.Message);
    }

    [Fact]
    public void Load_ShapeMismatch_NamesTensorAndBothShapes()
    {
        using var ck = new TempCheckpoint("llama-tiny").EditWeights(w => { w["model.layers.0.self_attn.k_proj.weight"].Dispose(); w["model.layers.0.self_attn.k_proj.weight"] = Tensor.Zeros(64, 64); });
        var e = Assert.Throws<InvalidDataException>(() => ModelLoader.Load(ck.Dir));
        Assert.Contains("'model.layers.0.self_attn.k_proj.weight' has shape [64, 64]", e.Message);
        Assert.Contains("implies [32, 64]", e.Message);
    }

    [Fact]
    public void Load_PrefixedKeysAndF64Weights_StillLoadAndMatch()
    {
        // keys under "transformer." and float64 storage are accepted; the values do not change
        using var ck = new TempCheckpoint("gpt2-tiny").EditWeights(w =>
        {
            foreach (var k in w.Keys.ToList()) { var t = w[k]; w.Remove(k); w["transformer." + k] = TensorOps.To(t, DType.F64); t.Dispose(); }
        });
        var a = ModelLoader.Load(ck.Dir); var b = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3);
        using var la = a.Run(ids); using var lb = b.Run(ids);
        Assert.Equal(lb.ToArray(), la.ToArray());
    }

    private static HookedTransformer Gpt2() => ModelLoader.Load(Fixture.Dir("gpt2-tiny"));   // vocab 101, context 64

    [Fact]
    public void Run_TokenIdOutOfRange_NamesPositionAndRange()
    {
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6, 101, 0 }, 2, 4);
        var e = Assert.Throws<ArgumentException>(() => Gpt2().Run(ids));
        Assert.Contains("at [1, 2]", e.Message);
        Assert.Contains("0..100", e.Message);
        Assert.Contains("max 101", e.Message);
    }

    [Fact]
    public void Run_NegativeTokenIdInI32_NamesIt()
    {
        using var ids = Tensor.FromArray(new[] { 1, -3, 2 }, 1, 3);
        var e = Assert.Throws<ArgumentException>(() => Gpt2().Run(ids));
        Assert.Contains("at [0, 1]", e.Message);
        Assert.Contains("min -3", e.Message);
    }

    [Fact]
    public void Run_LongerThanContext_SaysHowLong()
    {
        using var ids = Tensor.Zeros(DType.I64, 1, 65);
        var e = Assert.Throws<ArgumentException>(() => Gpt2().Run(ids));
        Assert.Contains("65 positions", e.Message);
        Assert.Contains("context (64)", e.Message);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 3)]
    public void Run_EmptyInput_SaysEmpty(int batch, int pos)
    {
        using var ids = Tensor.Zeros(DType.I64, batch, pos);
        Assert.Contains("empty input", Assert.Throws<ArgumentException>(() => Gpt2().Run(ids)).Message);
    }

    [Fact]
    public void Run_FloatOrRank1Ids_SaysWhatIsExpected()
    {
        using var f = Tensor.Zeros(1, 3);
        Assert.Contains("I64 or I32", Assert.Throws<ArgumentException>(() => Gpt2().Run(f)).Message);
        using var r1 = Tensor.FromArray(new long[] { 1, 2 }, 2);
        Assert.Contains("[batch, pos]", Assert.Throws<ArgumentException>(() => Gpt2().Run(r1)).Message);
    }

    [Theory]
    [InlineData("gpt2-tiny", "blocks.0.attn.hook_zz", "blocks.0.attn.hook_z")]
    [InlineData("llama-tiny", "blocks.1.mlp.hook_pre_lin", "blocks.1.mlp.hook_pre_linear")]
    [InlineData("neox-tiny", "blocks.0.hook_resid_post ", "blocks.0.hook_resid_post")]
    public void RunWithHooks_UnknownHook_SuggestsNearestValidName(string fixture, string bad, string nearest)
    {
        var m = ModelLoader.Load(Fixture.Dir(fixture));
        using var ids = Tensor.FromArray(new long[] { 1, 2 }, 1, 2);
        var e = Assert.Throws<ArgumentException>(() => m.RunWithHooks(ids, (bad, Interventions.ZeroAblate())));
        Assert.Contains($"unknown hook '{bad}'", e.Message);
        Assert.Contains("nearest valid names: " + nearest, e.Message);
    }

    [Fact]
    public void Cache_NotCachedNameOrNoGrad_ExplainsWhatToDo()
    {
        var m = new TinyGpt2().Model;
        using var ids = TinyGpt2.Ids(new long[] { 1, 2 });
        var (l, cache) = m.RunWithCache(ids, n => n == "hook_embed");
        using (l) using (cache)
        {
            Assert.Contains("cached hooks: hook_embed", Assert.Throws<KeyNotFoundException>(() => cache["blocks.0.hook_resid_pre"]).Message);
            Assert.Contains("withGrad: true", Assert.Throws<InvalidOperationException>(() => cache.Grad("hook_embed")).Message);
        }
    }
}

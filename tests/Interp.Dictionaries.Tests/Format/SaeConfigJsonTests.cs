// cfg.json parsing: SAELens v6 flat keys, v6's nested metadata, the older spellings (hook_point, activation_fn_str
// with activation_fn_kwargs, boolean normalize_activations), round trips of SAELens's uninterpreted keys, and bad input
// (a ConfigException naming cfg.json and the key; unknown keys name the nearest known one).
namespace Interp.Dictionaries.Tests.Format;

public class SaeConfigJsonTests
{
    private static SaeConfig Parse(string json) => SaeConfigJson.Parse(json, "cfg.json").cfg;

    [Fact]
    public void Parse_V6FlatKeys_ReadsEveryField()
    {
        var c = Parse("""
            {"architecture": "topk", "d_in": 64, "d_sae": 256, "dtype": "torch.bfloat16", "device": "cuda",
             "apply_b_dec_to_input": false, "normalize_activations": "expected_average_only_in", "norm_scaling_factor": 1.25,
             "reshape_activations": "none", "k": 32, "hook_name": "blocks.1.hook_resid_post", "hook_layer": 1,
             "hook_head_index": null, "model_name": "gpt2", "context_size": 128, "prepend_bos": true, "dataset_path": "openwebtext"}
            """);
        Assert.Equal("topk", c.Architecture);
        Assert.Equal((64, 256), (c.DIn, c.DSae));
        Assert.Equal(SaeDType.Bfloat16, c.DType);
        Assert.Equal("cuda", c.Device);
        Assert.False(c.ApplyBDecToInput);
        Assert.Equal(SaeConfig.NormExpectedAverageOnlyIn, c.NormalizeActivations);
        Assert.Equal(1.25, c.NormScalingFactor);
        Assert.Equal(32, c.TopK);
        Assert.Equal("blocks.1.hook_resid_post", c.HookName);
        Assert.Equal(1, c.HookLayer);
        Assert.Null(c.HookHeadIndex);
        Assert.Equal(("gpt2", 128, true, "openwebtext"), (c.ModelName, c.ContextSize, c.PrependBos, c.DatasetPath));
        Assert.Empty(c.Extra);
    }

    [Fact]
    public void Parse_NestedMetadata_LiftsHookAndModelName()
    {
        var c = Parse("""{"architecture": "jumprelu", "d_in": 8, "d_sae": 16, "metadata": {"hook_name": "blocks.0.hook_mlp_out", "model_name": "m", "sae_lens_version": "6.5.0"}}""");
        Assert.Equal("blocks.0.hook_mlp_out", c.HookName);
        Assert.Equal("m", c.ModelName);
        Assert.Equal("\"6.5.0\"", c.MetadataExtra["sae_lens_version"]);
        Assert.Empty(c.Extra);
    }

    [Fact]
    public void Write_V6Config_KeepsMetadataNestedAndFlat()
    {
        // SAELens reads metadata from the nested object when a version is given there, from the top level otherwise
        var c = Parse("""{"architecture": "jumprelu", "d_in": 8, "d_sae": 16, "metadata": {"hook_name": "blocks.0.hook_mlp_out", "sae_lens_version": "6.5.0"}}""");
        var root = System.Text.Json.Nodes.JsonNode.Parse(SaeConfigJson.Write(c))!.AsObject();
        Assert.Equal("blocks.0.hook_mlp_out", (string?)root["hook_name"]);
        Assert.Equal("blocks.0.hook_mlp_out", (string?)root["metadata"]!["hook_name"]);
        Assert.Equal("6.5.0", (string?)root["metadata"]!["sae_lens_version"]);
        Assert.Null(root["sae_lens_version"]);
        var again = Parse(root.ToJsonString());
        Assert.Equal(c.MetadataExtra, again.MetadataExtra);
    }

    [Fact]
    public void Parse_OldSpellings_MapToV6Fields()
    {
        // pre-6 SAELens: a TopK SAE is architecture "standard" + activation_fn_str "topk" with its k in activation_fn_kwargs
        var c = Parse("""
            {"d_in": 16, "d_sae": 64, "hook_point": "blocks.0.attn.hook_z", "hook_point_layer": 0, "hook_point_head_index": 2,
             "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 8}, "normalize_activations": true,
             "finetuning_scaling_factor": false, "dataset_trust_remote_code": true}
            """);
        Assert.Equal("topk", c.Architecture);
        Assert.Equal(8, c.TopK);
        Assert.Equal("blocks.0.attn.hook_z", c.HookName);
        Assert.Equal(0, c.HookLayer);
        Assert.Equal(2, c.HookHeadIndex);
        Assert.Equal(SaeConfig.NormExpectedAverageOnlyIn, c.NormalizeActivations);
        Assert.True(c.ApplyBDecToInput);   // SAELens's default when the key is absent
        Assert.Equal("true", c.Extra["dataset_trust_remote_code"]);
    }

    [Fact]
    public void Parse_OldReluNoArchitecture_IsStandard()
    {
        var c = Parse("""{"d_in": 4, "d_sae": 8, "activation_fn_str": "relu", "normalize_activations": false, "hook_point": "hook_embed"}""");
        Assert.Equal(("standard", SaeConfig.NormNone, "hook_embed"), (c.Architecture, c.NormalizeActivations, c.HookName));
    }

    [Fact]
    public void Parse_ExpansionFactorWithoutDSae_DerivesDSae()
    {
        Assert.Equal(96, Parse("""{"d_in": 12, "expansion_factor": 8}""").DSae);
    }

    [Fact]
    public void Write_ThenParse_RoundTripsEveryFieldAndUnknownKeys()
    {
        var c = Parse("""
            {"architecture": "topk", "d_in": 3, "d_sae": 5, "k": 2, "hook_name": "blocks.0.hook_resid_pre", "hook_head_index": 1,
             "normalize_activations": "expected_average_only_in", "norm_scaling_factor": 0.1, "lr": 3e-4, "model_from_pretrained_kwargs": {"a": [1, 2]}}
            """);
        var again = Parse(SaeConfigJson.Write(c));
        Assert.Equal(c with { Extra = again.Extra, MetadataExtra = again.MetadataExtra }, again);
        Assert.Equal(c.Extra.OrderBy(e => e.Key), again.Extra.OrderBy(e => e.Key));
    }

    [Theory]
    [InlineData("""{"d_sae": 8}""", "no d_in")]
    [InlineData("""{"d_in": 8}""", "no d_sae")]
    [InlineData("""{"d_in": 0, "d_sae": 8}""", "must be positive")]
    [InlineData("""{"d_in": 2.5, "d_sae": 8}""", "expected an integer")]
    [InlineData("""{"d_in": "8", "d_sae": 8}""", "expected an integer")]
    [InlineData("""{"d_in": 8, "d_sae": 8, "dtype": "int8"}""", "\"float32\"")]
    [InlineData("""{"d_in": 8, "d_sae": 8, "custom": 1}""", "unknown key \"custom\"")]
    [InlineData("""{"d_in": 8, "d_saee": 8}""", "did you mean \"d_sae\"")]
    [InlineData("""{"d_in": 8, "d_sae": 8, "reshape_activations": "hook_z", "hook_name": "blocks.0.hook_resid_post"}""", "not an attention hook_z")]
    [InlineData("""{"d_in": 8, "d_sae": 8, "activation_fn_str": "tanh-relu"}""", "supported: relu")]
    [InlineData("""{"d_in": 8, "d_sae": 8, "hook_name": "a", "hook_point": "b"}""", "twice with different values")]
    [InlineData("""{"d_in": 8, "d_sae": 8, "k": 4, "activation_fn_kwargs": {"k": 5}}""", "keep one")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"d_in": 8,""", "not valid JSON")]
    public void Parse_BadConfig_ThrowsNamingTheProblem(string json, string expected)
    {
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => Parse(json));
        Assert.Contains("cfg.json", e.Message);
        Assert.Contains(expected, e.Message);
    }
}

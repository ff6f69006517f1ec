// The strict readers still open real files: the fixture checkpoints of every family, the embedded models, SAEs and
// tokenizers under evals/, and Hugging Face config.json files with the keys real checkpoints carry (architectures,
// torch_dtype, transformers_version, dropout and generation settings), which are known and ignored per family.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Host.Tests.Malformed;

namespace Interp.Host.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class RealCheckpointTests : IDisposable
{
    private readonly Scratch _s = new();

    public void Dispose() => _s.Dispose();

    private static string Evals(params string[] parts) => Path.Combine([CliHarness.RepoRoot, "evals", .. parts]);

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("neox-tiny")]
    public void Run_FixtureCheckpoint_Succeeds(string fixture)
    {
        var r = CliHarness.Run("run", "--model", CliHarness.Fixture(fixture), "--input-ids", Cmd.Ids(_s), "--hooks", "all", "--out", _s.Path("o.safetensors"));
        Assert.True(r.Code == 0, r.ToString());
        Assert.True(double.IsFinite(JsonDocument.Parse(r.Stdout).RootElement.GetProperty("loss").GetDouble()));
    }

    [Theory]
    [InlineData("english-small", "english-small-resid2-topk")]
    [InlineData("toy-small", "toy-small-resid2-topk")]
    public void SaeEval_EmbeddedModelAndSae_Succeeds(string model, string sae)
    {
        var r = CliHarness.Run("sae", "eval", "--model", Evals("models", model), "--sae", Evals("saes", sae), "--input-ids", Cmd.Ids(_s, "[[5, 17, 3, 9, 2, 11, 7, 4]]"));
        Assert.True(r.Code == 0, r.ToString());
    }

    [Theory]
    [InlineData("models/english-small")]
    [InlineData("models/toy-small")]
    [InlineData("worlds/toy-v1")]
    public void Tokenize_EmbeddedTokenizer_Succeeds(string folder)
    {
        var r = CliHarness.Run("tokenize", "--tokenizer", Evals(folder.Split('/')), "--input", _s.Write("t.json", """["the cat sat", "In the beginning"]"""));
        Assert.True(r.Code == 0, r.ToString());
        Assert.StartsWith("[[", r.Stdout);
    }

    /// <summary>GPT-2's config.json as transformers writes it (the keys of openai-community/gpt2), with this fixture's sizes.</summary>
    [Fact]
    public void Run_Gpt2ConfigWithEveryHfKey_Loads()
    {
        var m = _s.Model(config: c =>
        {
            c["_name_or_path"] = "gpt2"; c["activation_function"] = "gelu_new"; c["architectures"] = new JsonArray("GPT2LMHeadModel");
            c["attn_pdrop"] = 0.1; c["bos_token_id"] = 50256; c["embd_pdrop"] = 0.1; c["eos_token_id"] = 50256; c["initializer_range"] = 0.02;
            c["n_inner"] = null; c["reorder_and_upcast_attn"] = false; c["resid_pdrop"] = 0.1; c["scale_attn_by_inverse_layer_idx"] = false;
            c["scale_attn_weights"] = true; c["summary_activation"] = null; c["summary_first_dropout"] = 0.1; c["summary_proj_to_labels"] = true;
            c["summary_type"] = "cls_index"; c["summary_use_proj"] = true;
            c["task_specific_params"] = new JsonObject { ["text-generation"] = new JsonObject { ["do_sample"] = true, ["max_length"] = 50 } };
            c["torch_dtype"] = "float32"; c["transformers_version"] = "4.44.0"; c["use_cache"] = true;
        });
        Scratch.EditJson(Path.Combine(m, "config.json"), c => c["n_inner"] = JsonValue.Create((int?)null));
        var r = CliHarness.Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors"));
        Assert.True(r.Code == 0, r.ToString());
    }

    /// <summary>Llama's config.json as transformers writes it (the keys of meta-llama/Llama-2-7b-hf and later), with this fixture's sizes.</summary>
    [Fact]
    public void Run_LlamaConfigWithEveryHfKey_Loads()
    {
        var m = _s.Model(fixture: "llama-tiny", config: c =>
        {
            c["attention_bias"] = false; c["attention_dropout"] = 0.0; c["bos_token_id"] = 1; c["eos_token_id"] = 2; c["initializer_range"] = 0.02;
            c["mlp_bias"] = false; c["pretraining_tp"] = 1; c["torch_dtype"] = "bfloat16"; c["transformers_version"] = "4.44.0"; c["use_cache"] = true;
            c["head_dim"] = 16;
        });
        var r = CliHarness.Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors"));
        Assert.True(r.Code == 0, r.ToString());
    }

    /// <summary>Pythia's config.json as transformers writes it (EleutherAI/pythia-70m), with this fixture's sizes.</summary>
    [Fact]
    public void Run_NeoXConfigWithEveryHfKey_Loads()
    {
        var m = _s.Model(fixture: "neox-tiny", config: c =>
        {
            c["attention_dropout"] = 0.0; c["bos_token_id"] = 0; c["classifier_dropout"] = 0.1; c["eos_token_id"] = 0; c["hidden_dropout"] = 0.0;
            c["initializer_range"] = 0.02; c["rope_scaling"] = null; c["torch_dtype"] = "float16"; c["transformers_version"] = "4.24.0";
            c["use_cache"] = true; c["attention_bias"] = true;
        });
        var r = CliHarness.Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors"));
        Assert.True(r.Code == 0, r.ToString());
    }

    [Fact]
    public void Inspect_EmbeddedDefaultModel_Succeeds()
    {
        var r = CliHarness.Run(["inspect", "--model", Evals("models", "english-small"), "--sae", Evals("saes", "english-small-resid2-topk"), "--text", "In the beginning", "--json"], null);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("", r.Stderr);
    }
}

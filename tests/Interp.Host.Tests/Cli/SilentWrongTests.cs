// The probe's silently-wrong cases (exit 0 with a wrong result), one test each: every one is now an error naming the
// file and field, or an explicit option that says on stderr what it did. (Corrupted cache rows belong to the cache's
// own tests.)
using System.Text.Json;
using Interp.Host.Tests.Malformed;
using Interp.Tensors;

namespace Interp.Host.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class SilentWrongTests : IDisposable
{
    private readonly Scratch _s = new();

    public void Dispose() => _s.Dispose();

    private CliResult Run(params string[] args) => CliHarness.Run(args);

    private static void Error(CliResult r, params string[] names)
    {
        MalformedInputTests.AssertCleanError(r);
        foreach (var n in names) Assert.True(r.Stderr.Contains(n, StringComparison.Ordinal), $"stderr does not name '{n}':\n{r}");
    }

    private string ModelWithNaN(bool tokenizer = false)
    {
        var m = tokenizer ? _s.ModelWithTokenizer("nan-model") : _s.Model("nan-model");
        Scratch.EditWeights(Path.Combine(m, "model.safetensors"), ts =>
        {
            var t = ts["h.1.mlp.c_proj.weight"];
            var a = t.ToArray(); a[10] = float.NaN;
            ts["h.1.mlp.c_proj.weight"] = Tensor.FromArray(a, t.Shape);
            t.Dispose();
        });
        return m;
    }

    [Theory]
    [InlineData("n_positions", "\"64\"")]
    [InlineData("activation_function", "7")]
    [InlineData("tie_word_embeddings", "\"false\"")]
    [InlineData("n_inner", "\"256\"")]
    [InlineData("layer_norm_epsilon", "true")]
    public void Run_WrongTypedConfigValue_IsAnErrorNotADefault(string key, string json)
    {
        var m = _s.Model(config: c => c[key] = System.Text.Json.Nodes.JsonNode.Parse(json));
        Error(Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors")), "config.json", key);
        Assert.False(File.Exists(_s.Path("o.safetensors")));
    }

    [Fact]
    public void Inspect_NaNWeights_IsAnErrorUnlessAllowedThenWarned()
    {
        var m = ModelWithNaN(tokenizer: true);
        Error(Run("inspect", "--model", m, "--text", "w1 w2 w3", "--sae", "none"), "model.safetensors", "h.1.mlp.c_proj.weight", "NaN", "--allow-nonfinite");
        var ok = Run("inspect", "--model", m, "--text", "w1 w2 w3", "--sae", "none", "--allow-nonfinite", "--json");
        Assert.True(ok.Code == 0, ok.ToString());
        Assert.Contains("warning: 1 weight tensor(s)", ok.Stderr);
        Assert.Contains("h.1.mlp.c_proj.weight", ok.Stderr);
    }

    [Fact]
    public void SaeEval_NaNModelWeights_IsAnErrorNotNullMetrics()
    {
        var m = ModelWithNaN();
        Error(Run("sae", "eval", "--model", m, "--sae", _s.Sae(), "--input-ids", Cmd.Ids(_s)), "model.safetensors", "NaN");
    }

    [Fact]
    public void Run_I32LabelledWeight_IsAnErrorNotReinterpreted()
    {
        var m = _s.Model();
        Scratch.EditHeader(Path.Combine(m, "model.safetensors"), h => h["wpe.weight"]!["dtype"] = "I32");
        Error(Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors")), "model.safetensors", "wpe.weight", "I32");
    }

    [Fact]
    public void Tokenize_EmptyVocabulary_IsAnErrorNotEmptyIds()
    {
        var tok = _s.Tokenizer(edit: o => o["model"]!["vocab"] = new System.Text.Json.Nodes.JsonObject());
        var r = Run("tokenize", "--tokenizer", tok, "--input", _s.Write("t.json", """["w1 w2"]"""));
        Error(r, "tokenizer.json", "model.vocab", "empty");
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Tokenize_DuplicateTokenIds_IsAnError()
    {
        var tok = _s.Tokenizer(edit: o => o["model"]!["vocab"]!["w7"] = 3);
        Error(Run("tokenize", "--tokenizer", tok, "--input", _s.Write("t.json", """["w3 w7"]""")), "tokenizer.json", "id 3", "\"w3\"", "\"w7\"");
    }

    [Fact]
    public void Inspect_TextLongerThanContext_IsAnErrorOrTruncatedWithWarning()
    {
        var m = _s.ModelWithTokenizer();
        string text = string.Join(' ', Enumerable.Range(0, 70).Select(i => $"w{i % 100}"));   // 70 tokens, n_ctx 64
        Error(Run("inspect", "--model", m, "--text", text, "--sae", "none"), "70 tokens", "64", "--truncate");
        var ok = Run("inspect", "--model", m, "--text", text, "--sae", "none", "--truncate", "--json");
        Assert.True(ok.Code == 0, ok.ToString());
        Assert.Contains("warning: the text is 70 tokens long; only the first 64", ok.Stderr);
        using var doc = JsonDocument.Parse(ok.Stdout);
        Assert.Equal(64, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public void Run_RowsLongerThanContext_AreAnErrorOrTruncatedWithWarning()
    {
        var ids = _s.Write("long.json", "[[" + string.Join(", ", Enumerable.Range(0, 70).Select(i => i % 100)) + "]]");
        var args = new[] { "run", "--model", _s.Model(), "--input-ids", ids, "--out", _s.Path("o.safetensors") };
        Error(Run(args), "long.json", "--truncate");
        var ok = Run([.. args, "--truncate"]);
        Assert.True(ok.Code == 0, ok.ToString());
        Assert.Contains("warning: rows of 70 token ids are longer than the model's context", ok.Stderr);
        Assert.Equal(64, JsonDocument.Parse(ok.Stdout).RootElement.GetProperty("positions").GetInt32());
    }

    [Fact]
    public void SaeEval_ReshapeHookZOnResidualStream_IsAnError()
    {
        var sae = _s.Sae(cfg: c => c["reshape_activations"] = "hook_z");
        Error(Run("sae", "eval", "--model", _s.Model(), "--sae", sae, "--input-ids", Cmd.Ids(_s)), "cfg.json", "reshape_activations", "blocks.0.hook_resid_post");
    }

    [Fact]
    public void Info_InterpThreadsNotANumber_IsAnError()
    {
        var r = CliHarness.Run(["info"], new Dictionary<string, string?> { ["INTERP_THREADS"] = "abc" });
        Error(r, "INTERP_THREADS", "abc");
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Run_ModelSafetensorsMissing_NeverOpensAnotherSafetensorsFile()
    {
        var m = _s.Model();
        File.Move(Path.Combine(m, "model.safetensors"), Path.Combine(m, "reference.safetensors"));
        Error(Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors")), "model.safetensors", "reference.safetensors");
    }

    [Fact]
    public void Run_ModelSafetensorsIsADirectory_NeverOpensAnotherSafetensorsFile()
    {
        var m = _s.Model();
        File.Move(Path.Combine(m, "model.safetensors"), Path.Combine(m, "backup.safetensors"));
        Directory.CreateDirectory(Path.Combine(m, "model.safetensors"));
        Error(Run("run", "--model", m, "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors")), "model.safetensors", "directory");
    }

    [Fact]
    public void Run_UndefinedLoss_IsJsonNullWithAWarning()
    {
        var r = Run("run", "--model", _s.Model(), "--input-ids", Cmd.Ids(_s, "[[5], [6]]"), "--out", _s.Path("o.safetensors"));
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("loss").ValueKind);
        Assert.Contains("warning: the loss is undefined for rows of one token", r.Stderr);
    }

    [Fact]
    public void Run_NonFiniteLossWithAllowedNaNWeights_IsJsonNullWithAWarning()
    {
        var r = Run("run", "--model", ModelWithNaN(), "--input-ids", Cmd.Ids(_s), "--out", _s.Path("o.safetensors"), "--allow-nonfinite");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("loss").ValueKind);
        Assert.Contains("warning: the loss is NaN", r.Stderr);
        Assert.True(File.Exists(_s.Path("o.safetensors")));
    }
}

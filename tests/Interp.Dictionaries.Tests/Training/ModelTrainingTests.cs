// Training on gpt2-tiny: a text corpus through a WordLevel tokenizer.json, the config file read with its keys and
// relative paths, the trained SAE loading and splicing, and bad configs stopped before training with a message that
// says what to change (d_in vs the hook's width, an unknown hook with the nearest names, unknown architecture or key).
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Training;

public sealed class ModelTrainingTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _model = TestSupport.FixtureDir("gpt2-tiny");
    public void Dispose() => _tmp.Dispose();

    /// <summary>tokenizer.json (WordLevel: specials 0-3, words w4..w99) and a seeded corpus of 300 short documents.</summary>
    internal static (string tokenizer, string corpus) TinyCorpus(TempDir tmp)
    {
        var vocab = new Dictionary<string, int> { ["<pad>"] = 0, ["<bos>"] = 1, ["<eos>"] = 2, ["<unk>"] = 3 };
        for (int i = 4; i < 100; i++) vocab[$"w{i}"] = i;
        var added = new[] { "<pad>", "<bos>", "<eos>", "<unk>" }.Select((c, i) => new { id = i, content = c, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true });
        var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null, ["added_tokens"] = added, ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "WhitespaceSplit" }, ["post_processor"] = null, ["decoder"] = null,
            ["model"] = new { type = "WordLevel", vocab, unk_token = "<unk>" },
        });
        string dir = tmp.Sub("tok");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"bos_token\": \"<bos>\", \"eos_token\": \"<eos>\", \"pad_token\": \"<pad>\"}");
        var rng = new Rng(21);
        string corpus = tmp.File("corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 300).Select(_ =>
        {
            int topic = 4 + 12 * rng.NextInt(8);                              // documents draw words from one of 8 topics
            return string.Join(" ", Enumerable.Range(0, 4 + rng.NextInt(12)).Select(__ => $"w{topic + rng.NextInt(12)}"));
        }));
        return (dir, corpus);
    }

    private string Config(string body)
    {
        var (tok, corpus) = TinyCorpus(_tmp);
        var path = _tmp.File("train.json");
        File.WriteAllText(path, "{\n" +
            $"  \"model_path\": {Q(_model)}, \"tokenizer_path\": {Q(tok)}, \"dataset_path\": \"corpus.txt\",\n" +
            "  \"context_size\": 16, \"store_batch_size_prompts\": 4, \"train_batch_size_tokens\": 64, \"n_batches_in_buffer\": 4,\n" +
            "  \"lr\": 0.003, \"log_every_steps\": 20, \"seed\": 1, \"output_path\": \"out\",\n" + body + "\n}");
        File.Move(corpus, _tmp.File("corpus.txt"), overwrite: true);
        return path;
    }

    private static string Q(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    [Fact]
    public void TextCorpus_TopK_LossFallsAndTheSaeSplices()
    {
        var cfgPath = Config("\"hook_name\": \"blocks.1.hook_resid_post\", \"d_in\": 64, \"expansion_factor\": 2, \"architecture\": \"topk\", \"k\": 8, \"training_tokens\": 9600");
        var cfg = SaeTrainConfigJson.Read(cfgPath);
        Assert.Equal(128, cfg.DSae);
        Assert.Equal(_tmp.File("corpus.txt"), cfg.DatasetPath);                // relative to the config's folder
        var log = new StringWriter();
        SaeTrainResult r;
        using (var t = SaeTrainer.Create(cfg, new SaeTrainOptions { Log = log })) r = t.Train();
        Assert.True(r.Completed);
        Assert.Equal(150, r.Steps);
        Assert.True(r.History[^1].Mse < r.History[0].Mse / 2, TrainSupport.Describe(r));
        Assert.Contains("step 20/150 | loss", log.ToString());
        Assert.Contains("tok/s", log.ToString());
        using var sae = Sae.Load(_tmp.File("out"));
        Assert.Equal("blocks.1.hook_resid_post", sae.Cfg.HookName);
        Assert.Equal("gpt2-tiny", sae.Cfg.ModelName);
        Assert.Equal(16, sae.Cfg.ContextSize);
        Assert.NotNull(sae.LogSparsity);
        using var ids = TestSupport.Ids(new long[] { 1, 5, 17, 30, 42, 8, 9, 10 }, new long[] { 1, 60, 61, 62, 63, 64, 65, 66 });
        var ev = SaeEvaluator.Evaluate(TestSupport.Gpt2Tiny(), sae, ids);
        Assert.True(ev.Stats.L0 <= 8 + 1e-12);
        Assert.True(double.IsFinite(ev.CeSae));
    }

    [Fact]
    public void DInMismatch_FailsBeforeTrainingWithTheHookWidth()
    {
        var cfg = SaeTrainConfigJson.Read(Config("\"hook_name\": \"blocks.0.mlp.hook_post\", \"d_in\": 64, \"d_sae\": 32, \"architecture\": \"topk\", \"k\": 4, \"training_tokens\": 640"));
        var e = Assert.Throws<ArgumentException>(() => SaeTrainer.Create(cfg));
        Assert.Contains("d_in = 64 but 'blocks.0.mlp.hook_post' of this gpt2 model is 256 wide; set d_in to 256", e.Message);
    }

    [Fact]
    public void UnknownHook_FailsWithNearestNames()
    {
        var cfg = SaeTrainConfigJson.Read(Config("\"hook_name\": \"blocks.0.hook_resid_pst\", \"d_in\": 64, \"d_sae\": 32, \"training_tokens\": 640"));
        var e = Assert.Throws<ArgumentException>(() => SaeTrainer.Create(cfg));
        Assert.Contains("unknown hook 'blocks.0.hook_resid_pst'", e.Message);
        Assert.Contains("blocks.0.hook_resid_post", e.Message);
    }

    [Theory]
    [InlineData("\"architecture\": \"gated\"", "unknown architecture 'gated'; SAE training supports: standard, topk, batchtopk, jumprelu")]
    [InlineData("\"architecture\": \"topk\"", "a topk SAE needs k")]
    [InlineData("\"l1_coeficient\": 2", "did you mean \"l1_coefficient\"?")]
    [InlineData("\"k\": \"eight\"", "\"k\" is the string \"eight\"; expected a number")]
    [InlineData("\"n_batches_in_buffer\": 1", "\"n_batches_in_buffer\" is given twice")]
    [InlineData("\"dead_feature_window\": 0", "dead_feature_window, feature_sampling_window and log_every_steps must be >= 1")]
    [InlineData("\"expansion_factor\": 3", "d_sae = 32 but expansion_factor × d_in = 192")]
    public void BadConfig_ClearError(string extra, string message)
    {
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => SaeTrainConfigJson.Read(Config($"\"hook_name\": \"blocks.0.hook_resid_post\", \"d_in\": 64, \"d_sae\": 32, \"training_tokens\": 640, {extra}")));
        Assert.Contains(message, e.Message);
        Assert.Contains("train.json", e.Message);
    }

    [Fact]
    public void ContextLongerThanTheModel_FailsBeforeTraining()
    {
        var cfg = SaeTrainConfigJson.Read(Config("\"hook_name\": \"blocks.0.hook_resid_post\", \"d_in\": 64, \"d_sae\": 32, \"architecture\": \"topk\", \"k\": 4, \"training_tokens\": 640")) with { ContextSize = 65 };
        Assert.Contains("longer than the model's context (64)", Assert.Throws<ArgumentException>(() => SaeTrainer.Create(cfg)).Message);
    }
}

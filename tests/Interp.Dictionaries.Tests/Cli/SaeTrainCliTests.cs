// `interp sae train` end to end on gpt2-tiny: a run split by --max-steps and finished with --resume prints JSON
// summaries and writes a loadable SAE; bad configs exit with code 2 and one line saying what to fix.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries.Tests.Training;
using Interp.Host.Commands;

namespace Interp.Dictionaries.Tests.Cli;

[Collection(nameof(ConsoleCollection))]
public sealed class SaeTrainCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { SaeCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private string Config(string extra = "")
    {
        var (tok, corpus) = ModelTrainingTests.TinyCorpus(_tmp);
        var path = _tmp.File("train.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_path"] = TestSupport.FixtureDir("gpt2-tiny"), ["tokenizer_path"] = tok, ["dataset_path"] = corpus,
            ["hook_name"] = "blocks.0.hook_resid_post", ["d_in"] = 64, ["d_sae"] = 96, ["architecture"] = "batchtopk", ["k"] = 6,
            ["context_size"] = 16, ["store_batch_size_prompts"] = 2, ["train_batch_size_tokens"] = 32, ["n_batches_in_buffer"] = 3,
            ["training_tokens"] = 32 * 30, ["log_every_steps"] = 10, ["checkpoint_path"] = "ckpt", ["output_path"] = "out",
        })[..^1] + extra + "}");
        return path;
    }

    [Fact]
    public void Train_MaxStepsThenResume_WritesTheSae()
    {
        var cfg = Config();
        var (code, stdout, stderr) = Interp("sae", "train", "--config", cfg, "--max-steps", "12");
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.False(doc.RootElement.GetProperty("completed").GetBoolean());
            Assert.Equal(12, doc.RootElement.GetProperty("steps").GetInt32());
            Assert.EndsWith("step-0000012", doc.RootElement.GetProperty("last_checkpoint").GetString());
        }
        Assert.Contains("step 10/30 | loss", stderr);
        (code, stdout, stderr) = Interp("sae", "train", "--config", cfg, "--resume");
        Assert.True(code == 0, stderr);
        Assert.Contains("resuming at step 12", stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.True(doc.RootElement.GetProperty("completed").GetBoolean());
            Assert.Equal(960, doc.RootElement.GetProperty("tokens").GetInt64());
            Assert.True(doc.RootElement.GetProperty("tokens_per_s").GetDouble() > 0);
            Assert.Equal(6.0, doc.RootElement.GetProperty("last").GetProperty("l0").GetDouble(), 9);
        }
        using var sae = Sae.Load(_tmp.File("out"));
        Assert.Equal("jumprelu", sae.Cfg.Architecture);                        // batchtopk is saved as jumprelu
    }

    [Theory]
    [InlineData(", \"d_in\": 32", "\"d_in\" is given twice")]
    [InlineData(", \"hook_nam\": \"x\"", "did you mean \"hook_name\"?")]
    public void Train_BadConfig_ExitsTwoWithOneLine(string extra, string message)
    {
        var (code, _, stderr) = Interp("sae", "train", "--config", Config(extra));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Train_DInMismatch_ExitsTwo()
    {
        var path = Config();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"d_in\":64", "\"d_in\":32"));
        var (code, _, stderr) = Interp("sae", "train", "--config", path);
        Assert.Equal(2, code);
        Assert.Contains("d_in = 32 but 'blocks.0.hook_resid_post' of this gpt2 model is 64 wide", stderr);
    }
}

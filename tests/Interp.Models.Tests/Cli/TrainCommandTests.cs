// The training verbs end to end through System.CommandLine: tokenizer train -> corpus encode -> corpus baselines ->
// train (progress on stderr, a loadable model), and exit code 2 with one clear line for bad recipes and resumes.
using System.CommandLine;
using System.Text.Json;
using Interp.Host.Commands;
using Interp.Models.Tests.Training;

namespace Interp.Models.Tests.Cli;

[Collection(nameof(ConsoleCollection))]
public sealed class TrainCommandTests : IDisposable
{
    private readonly TinyCorpus _c = new();
    public void Dispose() => _c.Dispose();

    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { TrainCommand.Create(), TokenizerCommand.Create(), CorpusCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private string WriteConfig(string name, object settings)
    {
        var p = _c.Path_(name);
        File.WriteAllText(p, JsonSerializer.Serialize(settings));
        return p;
    }

    [Fact]
    public void TokenizerEncodeBaselinesTrain_EndToEnd()
    {
        var (code, stdout, stderr) = Interp("tokenizer", "train", "--input", _c.TrainPath, "--vocab-size", "280", "--out", _c.Path_("tok/tokenizer.json"));
        Assert.True(code == 0, stderr);
        Assert.Equal(280, JsonDocument.Parse(stdout).RootElement.GetProperty("vocab_size").GetInt32());

        (code, stdout, stderr) = Interp("corpus", "encode", "--tokenizer", _c.Path_("tok"), "--input", _c.TrainPath, "--out", _c.Path_("train.bin"));
        Assert.True(code == 0, stderr);
        int tokens = JsonDocument.Parse(stdout).RootElement.GetProperty("tokens").GetInt32();
        Assert.Equal(4L * tokens, new FileInfo(_c.Path_("train.bin")).Length);

        (code, stdout, stderr) = Interp("corpus", "baselines", "--tokenizer", _c.Path_("tok"), "--train", _c.Path_("train.bin"), "--heldout", _c.HeldoutPath, "--k", "1,0.01");
        Assert.True(code == 0, stderr);
        Assert.Contains("best: unigram ", stdout);

        var cfg = WriteConfig("train.json", new
        {
            arch = "gpt2", n_layers = 1, d_model = 32, n_heads = 4, n_ctx = 16, steps = 6, batch_size = 4, lr = 0.01, min_lr = 0.001,
            warmup_steps = 2, log_every = 3, eval_every = 3, eval_batches = 1, checkpoint_every = 3, seed = 5,
            tokenizer = _c.Path_("tok/tokenizer.json"), train_data = _c.Path_("train.bin"), heldout_data = _c.HeldoutPath,
        });
        (code, stdout, stderr) = Interp("train", "--config", cfg, "--out", _c.Path_("model"));
        Assert.True(code == 0, stderr);
        Assert.Contains("step 3/6  loss ", stderr);
        Assert.Contains("step 6/6  heldout loss ", stderr);
        Assert.Equal(6, JsonDocument.Parse(stdout).RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(280, ModelLoader.Load(_c.Path_("model")).Config.DVocab);

        // resuming the finished run's last checkpoint under another seed is refused, naming the key
        var other = WriteConfig("other.json", JsonSerializer.Deserialize<Dictionary<string, object>>(File.ReadAllText(cfg))!
            .Select(kv => kv.Key == "seed" ? new KeyValuePair<string, object>("seed", 6) : kv).ToDictionary());
        (code, _, stderr) = Interp("train", "--config", other, "--out", _c.Path_("model2"), "--resume", _c.Path_("model"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: cannot resume from ", stderr);
        Assert.Contains("seed: 5 in the checkpoint vs 6 now", stderr);
        Assert.False(Directory.Exists(_c.Path_("model2")));
    }

    [Fact]
    public void Train_BadRecipe_ExitsTwoBeforeTraining()
    {
        var cfg = WriteConfig("bad.json", new { d_model = 30, n_heads = 4, tokenizer = _c.TokenizerPath, train_data = _c.TrainPath });
        var (code, stdout, stderr) = Interp("train", "--config", cfg, "--out", _c.Path_("o"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: invalid training config (1 problem) (", stderr);
        Assert.Contains("d_model (30) is not divisible by n_heads (4)", stderr);
        Assert.False(Directory.Exists(_c.Path_("o")));

        (code, _, stderr) = Interp("train", "--config", _c.Path_("missing.json"), "--out", _c.Path_("o"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
        (code, _, stderr) = Interp("tokenizer", "train", "--input", _c.Path_("missing.txt"), "--out", _c.Path_("t.json"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
    }
}

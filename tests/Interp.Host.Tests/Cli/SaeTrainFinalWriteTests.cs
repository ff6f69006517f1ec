// `sae train` never loses a trained SAE: when writing output_path fails (here: a file is in the way), the weights are
// kept in a final checkpoint (checkpoint_path) or a rescue folder in the temp directory, the error says where, and a
// resumed run writes the output once the path is fixed.
using Interp.Host.Tests.Malformed;

namespace Interp.Host.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class SaeTrainFinalWriteTests : IDisposable
{
    private readonly Scratch _s = new();

    public void Dispose() => _s.Dispose();

    private string Config(bool withCheckpoints)
    {
        var ids = _s.Write("ids.txt", string.Join("\n", Enumerable.Range(0, 20).Select(i => string.Join(' ', Enumerable.Range(i, 10).Select(j => j % 100)))));
        _s.Write("sae-out", "a file where the SAE folder should go");
        return _s.Write("sae.json", $$"""
            {"model_path": "{{_s.Model()}}", "hook_name": "blocks.0.hook_resid_post", "d_in": 64, "d_sae": 32, "architecture": "topk", "k": 4,
             "training_tokens": 64, "train_batch_size_tokens": 32, "dataset_path": "{{ids}}", "is_dataset_tokenized": true, "prepend_bos": false,
             "sequence_separator_token": "none", "context_size": 8, "n_batches_in_buffer": 2, "output_path": "{{_s.Path("sae-out")}}"
             {{(withCheckpoints ? $", \"checkpoint_path\": \"{_s.Path("ckpt")}\"" : "")}}}
            """);
    }

    [Fact]
    public void Train_OutputWriteFails_WeightsKeptInFinalCheckpointAndResumeWritesThem()
    {
        var cfg = Config(withCheckpoints: true);
        var r = CliHarness.Run("sae", "train", "--config", cfg);
        MalformedInputTests.AssertCleanError(r);
        string step2 = Interp.Models.Training.CheckpointFolders.Name(2);   // the shared step-N folder name
        Assert.Contains($"the trained weights are kept in {_s.Path("ckpt")}/{step2}", r.Stderr);
        Assert.True(File.Exists(Path.Combine(_s.Path("ckpt"), step2, "sae_weights.safetensors")));

        File.Delete(_s.Path("sae-out"));
        var again = CliHarness.Run("sae", "train", "--config", cfg, "--resume");
        Assert.True(again.Code == 0, again.ToString());
        Assert.True(File.Exists(Path.Combine(_s.Path("sae-out"), "cfg.json")));
        Assert.True(File.Exists(Path.Combine(_s.Path("sae-out"), "sae_weights.safetensors")));
    }

    [Fact]
    public void Train_OutputWriteFailsWithoutCheckpoints_WeightsKeptInARescueFolder()
    {
        var tmp = _s.Folder("tmp");
        var r = CliHarness.Run(["sae", "train", "--config", Config(withCheckpoints: false)], new Dictionary<string, string?> { ["TMPDIR"] = tmp });
        MalformedInputTests.AssertCleanError(r);
        var rescue = Assert.Single(Directory.GetDirectories(tmp, "interp-sae-rescue-*"));
        Assert.Contains($"the trained weights are kept in {rescue}", r.Stderr);
        Assert.True(File.Exists(Path.Combine(rescue, "cfg.json")));
        Assert.True(File.Exists(Path.Combine(rescue, "sae_weights.safetensors")));
    }
}

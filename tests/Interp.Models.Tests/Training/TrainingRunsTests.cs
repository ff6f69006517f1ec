// What the LM and SAE trainers share: step-N checkpoint folder names (sorted by step, legacy step_N still found,
// pruning ignores unfinished .tmp folders) and a typed exception when the loss diverges.
using Interp.Models.Training;

namespace Interp.Models.Tests.Training;

public sealed class TrainingRunsTests : IDisposable
{
    private readonly TinyCorpus _c = new(repeats: 10);
    public void Dispose() => _c.Dispose();

    [Fact]
    public void CheckpointFolders_NameSortsByStep_AndLatestReadsLegacyNames()
    {
        Assert.Equal("step-0000012", CheckpointFolders.Name(12));
        Assert.Equal(12, CheckpointFolders.StepOf("/x/step-0000012"));
        Assert.Equal(7, CheckpointFolders.StepOf("/x/step_7/"));
        Assert.Null(CheckpointFolders.StepOf("/x/step-0000012.tmp"));
        var dir = _c.Path_("ckpts");
        foreach (var name in new[] { "step_9", "step-0000010", "step-0000100", "step-0000200.tmp", "other" })
        {
            Directory.CreateDirectory(Path.Combine(dir, name));
            File.WriteAllText(Path.Combine(dir, name, "done"), "");
        }
        Directory.CreateDirectory(Path.Combine(dir, "step-0000300"));   // no marker: interrupted, never resumed from
        Assert.EndsWith("step-0000100", CheckpointFolders.Latest(dir, "done"));
        Assert.Equal(new[] { "step_9", "step-0000010", "step-0000100" }, CheckpointFolders.Complete(dir, "done").Select(Path.GetFileName));
        CheckpointFolders.Prune(dir, keep: 2);
        Assert.Equal(new[] { "other", "step-0000100", "step-0000200.tmp", "step-0000300" },
            Directory.GetDirectories(dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Run_LossDiverges_ThrowsTrainingDivergedException()
    {
        var cfg = _c.Config(steps: 40) with { Lr = 1e6, MinLr = 1e6, WarmupSteps = 0, WeightDecay = 0, GradClip = 0 };
        using var trainer = Trainer.Prepare(cfg, new TrainOptions { OutDir = _c.Path_("out") });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run());
        Assert.False(double.IsFinite(e.Loss));
        Assert.InRange(e.Step, 1, 40);
        Assert.Contains($"at step {e.Step}", e.Message);
    }
}

// Checkpoint + resume: a run stopped at a checkpoint and resumed (fresh trainer, fresh source) ends with bitwise the
// same SAE as the uninterrupted run, for every architecture on planted activations (AuxK active) and for a model
// source on gpt2-tiny (context stream position, pending rows, buffer). Also: checkpoints load as SAEs, a changed
// setting refuses to resume, and an existing checkpoint folder is not silently overwritten.
using Interp.Dictionaries.Training;
using Interp.Models.Training;
using Interp.Tensors;
using static Interp.Dictionaries.Tests.Training.TrainSupport;

namespace Interp.Dictionaries.Tests.Training;

public sealed class ResumeTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static void SameBits(Sae a, Sae b)
    {
        foreach (var (name, t) in a.Tensors)
        {
            var x = t.ToArray(); var y = b.Tensors[name].ToArray();
            Assert.Equal(x.Length, y.Length);
            for (int i = 0; i < x.Length; i++)
                if (BitConverter.SingleToInt32Bits(x[i]) != BitConverter.SingleToInt32Bits(y[i]))
                    Assert.Fail($"{name}[{i}]: {x[i]:R} uninterrupted vs {y[i]:R} resumed");
        }
        Assert.Equal(a.LogSparsity!.ToArray(), b.LogSparsity!.ToArray());
    }

    private (Sae straight, Sae resumed, SaeTrainResult second) Both(SaeTrainConfig cfg, Func<IActivationSource> source, int stopAt)
    {
        var quiet = new SaeTrainOptions { Log = TextWriter.Null };
        Run(cfg with { CheckpointPath = _tmp.Sub("a"), CheckpointEverySteps = stopAt }, source(), quiet, out var straight);
        var b = cfg with { CheckpointPath = _tmp.Sub("b") };
        var first = Run(b, source(), quiet with { StopAfterSteps = stopAt }, out var partial);
        partial.Dispose();
        Assert.False(first.Completed);
        Assert.Equal(stopAt, first.Steps);
        Assert.EndsWith(CheckpointFolders.Name(stopAt), first.LastCheckpoint);
        var second = Run(b, source(), quiet with { Resume = true }, out var resumed);
        Assert.True(second.Completed);
        return (straight, resumed, second);
    }

    [Theory]
    [InlineData("topk", 3.0)]
    [InlineData("batchtopk", 3.0)]
    [InlineData("jumprelu", null)]
    [InlineData("standard", null)]
    public void Resume_PlantedSource_EqualsUninterruptedBitwise(string arch, double? k)
    {
        // dead_feature_window 5 with 64 features for 32 dims: AuxK is in play across the checkpoint
        var cfg = Planted(arch, k, steps: 50, dSae: 64) with { DeadFeatureWindow = 5, FeatureSamplingWindow = 15, JumpReluInitThreshold = 0.3, JumpReluBandwidth = 0.1, LrWarmUpSteps = 5, LrDecaySteps = 10 };
        var (straight, resumed, second) = Both(cfg, () => new PlantedSource(32), stopAt: 23);
        using (straight) using (resumed) SameBits(straight, resumed);
        Assert.Equal(50 * 128, second.Tokens);
    }

    [Fact]
    public void Resume_ModelSource_EqualsUninterruptedBitwise()
    {
        var ids = _tmp.File("ids.txt");
        var rng = new Rng(11);
        File.WriteAllLines(ids, Enumerable.Range(0, 40).Select(_ => string.Join(" ", Enumerable.Range(0, 3 + rng.NextInt(9)).Select(__ => 3 + rng.NextInt(98)))));
        string model = TestSupport.FixtureDir("gpt2-tiny");
        var cfg = new SaeTrainConfig
        {
            ModelPath = model, HookName = "blocks.0.hook_resid_post", DIn = 64, DSae = 96, Architecture = "topk", K = 4,
            DatasetPath = ids, IsDatasetTokenized = true, BosTokenId = 1, ContextSize = 8, StoreBatchSizePrompts = 2,
            TrainingTokens = 24 * 12, TrainBatchSizeTokens = 12, NBatchesInBuffer = 3, Lr = 1e-3, DeadFeatureWindow = 4, LogEverySteps = 5, Seed = 5,
        };
        var quiet = new SaeTrainOptions { Log = TextWriter.Null };
        Sae Go(SaeTrainConfig c, SaeTrainOptions o)
        {
            using var t = SaeTrainer.Prepare(c, o);
            t.Run();
            return t.BuildSae();
        }
        using var straight = Go(cfg with { CheckpointPath = _tmp.Sub("ma"), CheckpointEverySteps = 10 }, quiet);
        var b = cfg with { CheckpointPath = _tmp.Sub("mb") };
        Go(b, quiet with { StopAfterSteps = 10 }).Dispose();
        var st = TrainerCheckpoint.Load(Path.Combine(b.CheckpointPath, "step-0000010"), b);
        Assert.NotEmpty(st.Source.Pending);                                  // 120 rows used of 16-row forward passes: 8 pending
        using var resumed = Go(b, quiet with { Resume = true });
        SameBits(straight, resumed);
        // a checkpoint folder is an SAELens SAE folder too
        using var ck = Sae.Load(Path.Combine(b.CheckpointPath!, "step-0000010"));
        Assert.Equal("blocks.0.hook_resid_post", ck.Cfg.HookName);
        Assert.Equal(0, ck.Cfg.HookLayer);
    }

    [Fact]
    public void Resume_ChangedSetting_RefusesWithTheDifference()
    {
        var cfg = Planted("topk", 3, steps: 20) with { CheckpointPath = _tmp.Sub("c") };
        Run(cfg, null, new SaeTrainOptions { StopAfterSteps = 5 });
        var e = Assert.Throws<ArgumentException>(() => Run(cfg with { DSae = 48 }, null, new SaeTrainOptions { Resume = true }));
        Assert.Contains("d_sae (32 -> 48)", e.Message);
        var again = Assert.Throws<ArgumentException>(() => Run(cfg, null, new SaeTrainOptions()));
        Assert.Contains("already holds checkpoints", again.Message);
        var none = Assert.Throws<ArgumentException>(() => Run(cfg with { CheckpointPath = _tmp.Sub("empty") }, null, new SaeTrainOptions { Resume = true }));
        Assert.Contains("no complete checkpoint", none.Message);
    }

    [Fact]
    public void Checkpoints_NCheckpoints_SpreadOverTheRun()
    {
        var cfg = Planted("topk", 3, steps: 100) with { CheckpointPath = "x", NCheckpoints = 3, CheckpointEverySteps = 40 };
        Assert.Equal(new[] { 25, 40, 50, 75, 80 }, cfg.CheckpointSteps());
    }
}

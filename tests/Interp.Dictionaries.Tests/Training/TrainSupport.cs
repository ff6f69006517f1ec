// Helpers for trainer tests: a small config over planted synthetic activations, and a run to completion whose
// progress lines go nowhere.
using Interp.Dictionaries.Training;

namespace Interp.Dictionaries.Tests.Training;

public static class TrainSupport
{
    public static SaeTrainConfig Planted(string arch, double? k = 3, int steps = 200, int batch = 128, int dIn = 32, int dSae = 32) => new()
    {
        HookName = "synthetic", Architecture = arch, DIn = dIn, DSae = dSae, K = k,
        TrainingTokens = (long)steps * batch, TrainBatchSizeTokens = batch, NBatchesInBuffer = 4,
        Lr = 3e-3, LogEverySteps = 20, DeadFeatureWindow = 50, FeatureSamplingWindow = 100, Seed = 3,
    };

    public static SaeTrainResult Run(SaeTrainConfig cfg, IActivationSource? source = null, SaeTrainOptions? options = null) =>
        Run(cfg, source, options, out _);

    public static SaeTrainResult Run(SaeTrainConfig cfg, IActivationSource? source, SaeTrainOptions? options, out Sae sae)
    {
        using var t = new SaeTrainer(cfg, source ?? new PlantedSource(cfg.DIn), (options ?? new SaeTrainOptions()) with { Log = options?.Log ?? TextWriter.Null });
        var r = t.Train();
        sae = t.BuildSae();
        return r;
    }

    public static string Describe(SaeTrainResult r) =>
        string.Join("\n", r.History.Select(p => $"step {p.Step}: loss {p.Loss:G4} mse {p.Mse:G4} sp {p.SparsityLoss:G3} aux {p.AuxLoss:G3} L0 {p.L0:F2} EV {p.ExplainedVariance:F3} dead {p.DeadFraction:F3}"));
}

// Learning-rate schedules as pure functions of the step index. `step` is the 0-based index of the
// optimizer step about to be taken: set opt.Lr = schedule.Lr(step) before opt.Step().
// Warmup ramps linearly so that step 0 already trains (peak·1/warmup) and step warmup-1 reaches the peak.
namespace Interp.Tensors.Optim;

public interface ILrSchedule
{
    double Lr(int step);
}

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantLr : ILrSchedule
{
    public double Value { get; }
    public ConstantLr(double lr) { Value = lr >= 0 ? lr : throw new ArgumentOutOfRangeException(nameof(lr), $"lr must be >= 0; got {lr}."); }
    public double Lr(int step) { LrChecks.Step(step); return Value; }
}

/// <summary>peak·(step+1)/warmupSteps while step &lt; warmupSteps, then peak.</summary>
public sealed class LinearWarmup : ILrSchedule
{
    public double PeakLr { get; }
    public int WarmupSteps { get; }

    public LinearWarmup(double peakLr, int warmupSteps)
    {
        PeakLr = LrChecks.Lr(peakLr, nameof(peakLr));
        WarmupSteps = warmupSteps >= 0 ? warmupSteps : throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"warmupSteps must be >= 0; got {warmupSteps}.");
    }

    public double Lr(int step)
    {
        LrChecks.Step(step);
        return step < WarmupSteps ? PeakLr * (step + 1) / WarmupSteps : PeakLr;
    }
}

/// <summary>
/// Linear warmup as LinearWarmup, then cosine decay from peak (at step = warmupSteps) to minLr
/// (at step = totalSteps): minLr + (peak - minLr)·½(1 + cos(π·progress)); minLr from totalSteps on.
/// </summary>
public sealed class WarmupCosine : ILrSchedule
{
    public double PeakLr { get; }
    public double MinLr { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    public WarmupCosine(double peakLr, int warmupSteps, int totalSteps, double minLr = 0)
    {
        PeakLr = LrChecks.Lr(peakLr, nameof(peakLr));
        MinLr = LrChecks.Lr(minLr, nameof(minLr));
        if (minLr > peakLr) throw new ArgumentOutOfRangeException(nameof(minLr), $"minLr ({minLr}) must not exceed peakLr ({peakLr}).");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"warmupSteps must be >= 0; got {warmupSteps}.");
        if (totalSteps < warmupSteps) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"totalSteps ({totalSteps}) must be >= warmupSteps ({warmupSteps}).");
        WarmupSteps = warmupSteps; TotalSteps = totalSteps;
    }

    public double Lr(int step)
    {
        LrChecks.Step(step);
        if (step < WarmupSteps) return PeakLr * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinLr;
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return MinLr + (PeakLr - MinLr) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}

internal static class LrChecks
{
    public static void Step(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"step must be >= 0; got {step}.");
    }

    public static double Lr(double lr, string name) =>
        lr >= 0 && double.IsFinite(lr) ? lr : throw new ArgumentOutOfRangeException(name, $"{name} must be finite and >= 0; got {lr}.");
}

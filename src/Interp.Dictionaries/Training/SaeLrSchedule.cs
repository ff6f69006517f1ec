// The SAE trainer's learning rate per step, as SAELens offers it: "constant" = linear warm-up over lr_warm_up_steps,
// then lr, then a linear decay to lr_end over the last lr_decay_steps; "cosineannealing" = warm-up, then cosine from
// lr to lr_end (default lr / 10) at the last step. Pure functions of the step, so a resumed run gets the same rates.
using Interp.Tensors.Optim;

namespace Interp.Dictionaries.Training;

public sealed class SaeLrSchedule : ILrSchedule
{
    private readonly double _lr, _end;
    private readonly int _warmup, _decay, _total;
    private readonly WarmupCosine? _cosine;

    public SaeLrSchedule(SaeTrainConfig cfg)
    {
        _lr = cfg.Lr; _warmup = cfg.LrWarmUpSteps; _decay = cfg.LrDecaySteps; _total = cfg.TotalSteps;
        if (cfg.LrSchedulerName == SaeLrScheduler.Cosineannealing)
        {
            _end = cfg.LrEnd ?? cfg.Lr / 10;
            _cosine = new WarmupCosine(_lr, _warmup, Math.Max(_warmup, _total - 1), _end);
        }
        else _end = cfg.LrEnd ?? 0;
    }

    public double Lr(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"step must be >= 0; got {step}.");
        if (_cosine is not null) return _cosine.Lr(step);
        if (step < _warmup) return _lr * (step + 1) / _warmup;
        int decayStart = _total - _decay;
        if (_decay > 0 && step >= decayStart) return _lr + (_end - _lr) * Math.Min(1.0, (step - decayStart + 1.0) / _decay);
        return _lr;
    }
}

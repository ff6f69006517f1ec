// AdamW over a model's parameters in two groups: matrices decay; norms, biases and embeddings (incl. the tied
// unembedding) do not. Global-norm gradient clipping over both groups. State saves as "decay.*" / "no_decay.*".
// Not the learning-rate schedule (the trainer sets Lr each step).
using Interp.Tensors;
using Interp.Tensors.Optim;

namespace Interp.Models.Training;

public sealed class TrainOptimizer : IDisposable
{
    private readonly AdamW _decay, _noDecay;
    private readonly Tensor[] _all;

    /// <summary>Parameter names in the order the state indexes them: decayed ones, then the rest, each sorted.</summary>
    public IReadOnlyList<string> DecayNames { get; }
    public IReadOnlyList<string> NoDecayNames { get; }

    public TrainOptimizer(IReadOnlyDictionary<string, Tensor> parameters, TrainConfig cfg)
    {
        var names = parameters.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        DecayNames = names.Where(n => Decays(n, parameters[n])).ToArray();
        NoDecayNames = names.Where(n => !Decays(n, parameters[n])).ToArray();
        _decay = new AdamW(DecayNames.Select(n => parameters[n]).ToArray(), cfg.Lr, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay);
        _noDecay = new AdamW(NoDecayNames.Select(n => parameters[n]).ToArray(), cfg.Lr, cfg.Beta1, cfg.Beta2, cfg.Eps, 0);
        _all = names.Select(n => parameters[n]).ToArray();
    }

    /// <summary>Weight decay applies to matrices other than embeddings.</summary>
    public static bool Decays(string name, Tensor p) => p.Rank >= 2 && !ModelInit.IsEmbedding(name);

    public IReadOnlyList<Tensor> Parameters => _all;

    /// <summary>Clips the global gradient norm to <paramref name="maxNorm"/> (0: no clipping); returns the norm before.</summary>
    public double Clip(double maxNorm) => maxNorm > 0 ? GradClip.ClipGlobalNorm(_all, maxNorm) : GradClip.GlobalNorm(_all);

    public void Step(double lr)
    {
        _decay.Lr = lr; _noDecay.Lr = lr;
        _decay.Step(); _noDecay.Step();
    }

    public void ZeroGrad() { _decay.ZeroGrad(); _noDecay.ZeroGrad(); }

    /// <summary>Frees both groups' moments (the parameters are the model's).</summary>
    public void Dispose() { _decay.Dispose(); _noDecay.Dispose(); }

    public Dictionary<string, Tensor> GetState()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in _decay.GetState()) d["decay." + k] = v;
        foreach (var (k, v) in _noDecay.GetState()) d["no_decay." + k] = v;
        return d;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        Dictionary<string, Tensor> Group(string prefix) => state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        var other = state.Keys.FirstOrDefault(k => !k.StartsWith("decay.", StringComparison.Ordinal) && !k.StartsWith("no_decay.", StringComparison.Ordinal));
        if (other is not null) throw new InvalidDataException($"optimizer state key '{other}' belongs to neither group (decay.*, no_decay.*).");
        _decay.LoadState(Group("decay."));
        _noDecay.LoadState(Group("no_decay."));
    }
}

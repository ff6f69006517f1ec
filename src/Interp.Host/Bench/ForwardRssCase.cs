// forward_rss_n1000_l{L}_d{D}_b{B}_t{T}: process RSS over 1,000 forward passes of a small GPT-2-shaped model, cycling
// plain runs, cached runs (resid_post of every block) and runs with an ablation hook. Lifetimes are scoped, so RSS
// and the pool's outstanding buffers must stay flat: the line reports RSS every 100 passes and the pool's change.
using System.Globalization;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Host.Bench;

public sealed class ForwardRssCase(bool inQuickRun) : IBenchCase
{
    private const int Passes = 1000, Every = 100, Layers = 2, DModel = 128, Batch = 2, Pos = 32;
    private HookedTransformer? _model;
    private Tensor? _tokens;                 // [batch, pos]
    private HashSet<string> _cached = new();
    private string _ablate = "";
    private readonly List<double> _rssMb = new();
    private long _poolBefore, _poolAfter;
    private double _afterWarmup = double.NaN;    // RSS at the end of the first (warm-up) call

    public string Name => $"forward_rss_n{Passes}_l{Layers}_d{DModel}_b{Batch}_t{Pos}";
    public bool InQuickRun => inQuickRun;
    public double MinSeconds => 0;           // each iteration is 1,000 passes already

    public void Setup(BenchContext ctx)
    {
        _model = Gpt2Small.Create(Layers, DModel, 4, 1024, 128);
        _tokens = Gpt2Small.Tokens(Batch, Pos, _model.Config.DVocab);
        _cached = _model.HookTable.OfKind(HookKind.ResidPost).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        _ablate = _model.HookTable.Name(HookKind.MlpPost, 0);
    }

    public void Run()
    {
        _rssMb.Clear();
        _poolBefore = TensorMemory.OutstandingBuffers;
        using var noGrad = Tensor.NoGrad();
        for (int i = 0; i < Passes; i++)
        {
            if (i % Every == 0) Sample();
            using var scope = TensorScope.Begin();
            switch (i % 3)
            {
                case 0: _model!.Run(_tokens!); break;
                case 1: _model!.RunWithCache(_tokens!, _cached.Contains).cache.Dispose(); break;
                default: _model!.RunWithHooks(_tokens!, (_ablate, Interventions.ZeroAblate())); break;
            }
        }
        Sample();
        _poolAfter = TensorMemory.OutstandingBuffers;
        if (double.IsNaN(_afterWarmup)) _afterWarmup = _rssMb[^1];
    }

    private void Sample() => _rssMb.Add(Math.Round(Environment.WorkingSet / 1048576.0, 1));

    public void AddMetrics(double s, BenchRecord r) => r
        .Add("passes_per_s", Math.Round(Passes / s, 1))
        .Add("rss_mb_every_100", string.Join(" ", _rssMb.Select(x => x.ToString(CultureInfo.InvariantCulture))))
        .Add("rss_growth_mb_last_run", Math.Round(_rssMb[^1] - _rssMb[0], 1))
        .Add("rss_growth_mb_since_warmup", Math.Round(_rssMb[^1] - _afterWarmup, 1))
        .Add("pool_outstanding_change", _poolAfter - _poolBefore);

    public void Dispose()
    {
        _tokens?.Dispose();
        _model?.Dispose();
    }
}

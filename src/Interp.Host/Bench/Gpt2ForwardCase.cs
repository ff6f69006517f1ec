// gpt2small_forward[_cache]_b{B}_t{T}: inference forward of GPT-2 small (no grad). The cache variant also
// records resid_mid, attention pattern and resid_post of every layer, as torch_reference.py does.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Host.Bench;

public sealed class Gpt2ForwardCase(int batch, int pos, bool cache, bool inQuickRun) : IBenchCase
{
    private HookedTransformer? _model;
    private Tensor? _tokens; // [batch, pos] I64
    private int _layers;
    private HashSet<string> _cached = new();

    public string Name => $"gpt2small_forward{(cache ? "_cache" : "")}_b{batch}_t{pos}";
    public bool InQuickRun => inQuickRun;

    public void Setup(BenchContext ctx)
    {
        _model = Gpt2Small.Create(ctx.Quick);
        _layers = _model.Config.NLayers;
        _tokens = Gpt2Small.Tokens(batch, pos, _model.Config.DVocab);
        _cached = CachedByReference(_model);
    }

    /// <summary>The hooks torch_reference.py caches: resid_mid, attention pattern and resid_post of every layer.</summary>
    public static HashSet<string> CachedByReference(HookedTransformer m) =>
        m.HookTable.OfKind(HookKind.ResidMid, HookKind.Pattern, HookKind.ResidPost).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    public void Run()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = Tensor.NoGrad();
        if (!cache) { _model!.Run(_tokens!); return; }
        var (_, c) = _model!.RunWithCache(_tokens!, _cached.Contains);
        using (c)
            if (c.Names.Count != 3 * _layers) throw new InvalidOperationException($"cache holds {c.Names.Count} tensors, expected {3 * _layers}");
    }

    public void AddMetrics(double s, BenchRecord r) => r.Add("tokens_per_s", Math.Round(batch * pos / s, 1)).Add("layers", _layers);

    public void Dispose()
    {
        _tokens?.Dispose();
        _model?.Dispose();   // ~500 MB per case
    }
}

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

    public string Name => $"gpt2small_forward{(cache ? "_cache" : "")}_b{batch}_t{pos}";
    public bool InQuickRun => inQuickRun;

    public void Setup(BenchContext ctx)
    {
        _model = Gpt2Small.Create(ctx.Quick);
        _layers = _model.Config.NLayers;
        _tokens = Gpt2Small.Tokens(batch, pos, _model.Config.DVocab);
    }

    public static bool CachedByReference(string h) =>
        h.EndsWith(".hook_resid_mid", StringComparison.Ordinal) || h.EndsWith(".attn.hook_pattern", StringComparison.Ordinal) || h.EndsWith(".hook_resid_post", StringComparison.Ordinal);

    public void Run()
    {
        using var noGrad = Tensor.NoGrad();
        if (!cache) { _model!.Run(_tokens!).Dispose(); return; }
        var (logits, c) = _model!.RunWithCache(_tokens!, CachedByReference);
        if (c.Names.Count != 3 * _layers) throw new InvalidOperationException($"cache holds {c.Names.Count} tensors, expected {3 * _layers}");
        logits.Dispose(); c.Dispose();
    }

    public void AddMetrics(double s, BenchRecord r) => r.Add("tokens_per_s", Math.Round(batch * pos / s, 1)).Add("layers", _layers);

    public void Dispose()
    {
        _tokens?.Dispose();
        if (_model is not null) foreach (var p in _model.Parameters.Values) p.Dispose();   // ~500 MB per case
    }
}

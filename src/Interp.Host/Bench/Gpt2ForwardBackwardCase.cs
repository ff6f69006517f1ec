// gpt2small_forward_backward_b1_t128: forward with gradients retained at the residual stream (resid_pre of
// block 0, resid_mid, pattern, resid_post of every block) and backward from the next-token loss — what
// attribution patching needs. Parameters do not require grad (as in torch_reference.py).
using Interp.Models;
using Interp.Tensors;

namespace Interp.Host.Bench;

public sealed class Gpt2ForwardBackwardCase(bool inQuickRun) : IBenchCase
{
    private HookedTransformer? _model;
    private Tensor? _tokens;
    private int _layers;

    public string Name => "gpt2small_forward_backward_b1_t128";
    public bool InQuickRun => inQuickRun;

    public void Setup(BenchContext ctx)
    {
        _model = Gpt2Small.Create(ctx.Quick);
        _layers = _model.Config.NLayers;
        _tokens = Gpt2Small.Tokens(1, 128, _model.Config.DVocab);
    }

    private static bool Wanted(string h) => h == "blocks.0.hook_resid_pre" || Gpt2ForwardCase.CachedByReference(h);

    public void Run()
    {
        var (logits, cache) = _model!.RunWithCache(_tokens!, Wanted, withGrad: true);
        using var loss = NextTokenLoss.Compute(logits, _tokens!);
        loss.Backward();
        if (cache.Grad("blocks.0.hook_resid_pre") is null) throw new InvalidOperationException("no gradient reached resid_pre");
        logits.Dispose(); cache.Dispose();
    }

    public void AddMetrics(double s, BenchRecord r) => r.Add("tokens_per_s", Math.Round(128 / s, 1)).Add("layers", _layers);

    public void Dispose()
    {
        _tokens?.Dispose();
        if (_model is not null) foreach (var p in _model.Parameters.Values) p.Dispose();   // ~500 MB per case
    }
}

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
    private string _residPre0 = "";
    private HashSet<string> _wanted = new();

    public string Name => "gpt2small_forward_backward_b1_t128";
    public bool InQuickRun => inQuickRun;

    public void Setup(BenchContext ctx)
    {
        _model = Gpt2Small.Create(ctx.Quick);
        _layers = _model.Config.NLayers;
        _tokens = Gpt2Small.Tokens(1, 128, _model.Config.DVocab);
        _residPre0 = _model.HookTable.Name(HookKind.ResidPre, 0);
        _wanted = Gpt2ForwardCase.CachedByReference(_model);
        _wanted.Add(_residPre0);
    }

    public void Run()
    {
        using var scope = TensorScope.Begin();
        var (logits, cache) = _model!.RunWithCache(_tokens!, _wanted.Contains, withGrad: true);
        using (cache)
        {
            NextTokenLoss.Compute(logits, _tokens!).Backward();
            if (cache.Grad(_residPre0) is null) throw new InvalidOperationException("no gradient reached resid_pre");
        }
    }

    public void AddMetrics(double s, BenchRecord r) => r.Add("tokens_per_s", Math.Round(128 / s, 1)).Add("layers", _layers);

    public void Dispose()
    {
        _tokens?.Dispose();
        _model?.Dispose();   // ~500 MB per case
    }
}

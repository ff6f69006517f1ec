// sae_topk_step_{d_in}x{d_sae}_k{k}_n{N}: one training step of a TopK sparse autoencoder (as in
// torch_reference.py: encode (x − b_dec)·W_enc + b_enc, keep top k, ReLU, decode, squared error summed over
// d_in and averaged over tokens, Adam lr 3e-4). Uses the sparse kernels, so codes are never dense.
using Interp.Tensors;
using Interp.Tensors.Optim;

namespace Interp.Host.Bench;

public sealed class SaeTopKStepCase(bool inQuickRun) : IBenchCase
{
    private int _dIn, _dSae, _k, _n;
    private Tensor? _x, _wEnc, _bEnc, _wDec, _bDec;
    private Adam? _opt;

    public string Name => $"sae_topk_step_{_dIn}x{_dSae}_k{_k}_n{_n}";
    public bool InQuickRun => inQuickRun;
    public double MinSeconds => 4.0;

    public SaeTopKStepCase Configure(bool quick)
    {
        (_dIn, _dSae, _k, _n) = quick ? (768, 4096, 32, 1024) : (768, 24576, 32, 4096);
        return this;
    }

    public void Setup(BenchContext ctx)
    {
        Configure(ctx.Quick);
        var rng = new Rng(0);
        _wEnc = rng.Normal(new[] { _dIn, _dSae }, 0, 0.01).RequireGrad();   // [d_in, d_sae]
        _bEnc = Tensor.Zeros(_dSae).RequireGrad();                          // [d_sae]
        _wDec = rng.Normal(new[] { _dSae, _dIn }, 0, 0.01).RequireGrad();   // [d_sae, d_in]
        _bDec = Tensor.Zeros(_dIn).RequireGrad();                           // [d_in]
        _x = rng.Normal(new[] { _n, _dIn });                                // [N, d_in]
        _opt = new Adam(new[] { _wEnc, _bEnc, _wDec, _bDec }, lr: 3e-4);
    }

    public void Run()
    {
        using var scope = TensorScope.Begin();
        var (acts, idx) = TensorOps.TopKLinear(_x! - _bDec!, _wEnc!, _bEnc!, _k);       // [N, k]
        var recon = TensorOps.SparseRowsMatMul(acts, idx, _wDec!) + _bDec!;            // [N, d_in]
        var err = recon - _x!;
        var loss = TensorOps.Mean(TensorOps.Sum(err * err, new[] { -1 }));
        _opt!.ZeroGrad();
        loss.Backward();
        _opt.Step();
    }

    public void AddMetrics(double s, BenchRecord r) => r.Add("tokens_per_s", Math.Round(_n / s, 1)).Add("steps_per_s", Math.Round(1 / s, 3));

    public void Dispose() { _opt?.Dispose(); _x?.Dispose(); _wEnc?.Dispose(); _bEnc?.Dispose(); _wDec?.Dispose(); _bDec?.Dispose(); }
}

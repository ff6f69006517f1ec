// JumpReLU SAE training (Rajamanoharan et al. 2024, "Jumping Ahead"). θ = exp(log_threshold) [d_sae], z = the
// pre-activations, f = z·H(z - θ); loss = mean_rows ‖x - x̂‖² + λ_t · mean_rows Σ_j H(z_j - θ_j), λ_t warmed up over
// l0_warm_up_steps. H has no useful derivative, so the straight-through estimator of the paper is used, with the
// rectangle kernel K(u) = 1[|u| < 1/2] and bandwidth ε:
//   ∂f/∂z = H(z - θ)                 ∂f/∂θ  = -(θ/ε)·K((z - θ)/ε)
//   ∂L0/∂z = 0                       ∂L0/∂θ = -(1/ε)·K((z - θ)/ε)
// (θ's gradient then reaches log_threshold through exp). Built from ordinary ops: f = z·mask + (θ - sg(θ))·C with
// C = -(sg(θ)/ε)K(..) held fixed, whose value is z·mask (θ - sg(θ) is exactly 0) and whose gradients are the above.
// W_dec rows are kept at unit norm.
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

public sealed class JumpReluTraining(SaeTrainConfig cfg) : ISaeTrainingMethod
{
    public const string LogThresholdName = "log_threshold";

    public string Name => "jumprelu";
    public bool NormalizesDecoder => true;

    public void Validate(SaeTrainConfig c)
    {
        if (c.K is not null) throw new ArgumentException("k is for topk and batchtopk; a jumprelu SAE is sparsified by l0_coefficient.");
    }

    public void InitParameters(SaeParameters p) =>
        p.AddExtra(LogThresholdName, Tensor.Full((float)Math.Log(cfg.JumpReluInitThreshold), p.DSae));

    /// <summary>λ at <paramref name="step"/>: linear warm-up over l0_warm_up_steps.</summary>
    public double Coefficient(int step) => cfg.L0Coefficient * (cfg.L0WarmUpSteps > 0 ? Math.Min(1.0, (step + 1.0) / cfg.L0WarmUpSteps) : 1.0);

    public StepOutput Forward(SaeParameters p, StepInput input)
    {
        int rows = input.X.Shape[0], n = p.DSae;
        double eps = cfg.JumpReluBandwidth;
        var xin = LossTerms.EncoderInput(input.X, p, cfg.ApplyBDecToInput);
        var z = TensorOps.MatMul(xin, p.WEnc) + p.BEnc;                   // [rows, d_sae]
        var theta = TensorOps.Exp(p.Extra[LogThresholdName]);             // [d_sae]
        var zero = theta - theta.Detach();                                // value 0, gradient 1 to θ
        var (mask, c, d, l0) = Kernel(z, theta, rows, n, eps);
        var gated = z * mask;
        var f = gated + zero * c;                                         // + [rows, d_sae] of zeros carrying ∂f/∂θ
        var xhat = TensorOps.MatMul(f, p.WDec) + p.BDec;                  // [rows, d_in]
        var mse = LossTerms.SumSquaredErrorMean(xhat, input.X);
        var l0Term = TensorOps.Sum(zero * d) + l0;                        // value l0, ∂/∂θ = mean_rows ∂L0/∂θ
        double lambda = Coefficient(input.Step);
        var (fired, counts, _) = LossTerms.Firing(gated);
        return new StepOutput { Loss = mse + l0Term * lambda, XHat = xhat, SparsityLoss = lambda * l0, L0 = l0, Fired = fired, FireCounts = counts };
    }

    /// <summary>mask = H(z - θ) [rows, n]; C = -(θ/ε)K((z - θ)/ε) [rows, n]; D = -(1/ε)·mean_rows K((z - θ)/ε) [n];
    /// and the mean L0. All held fixed (no graph).</summary>
    internal static (Tensor mask, Tensor c, Tensor d, double l0) Kernel(Tensor z, Tensor theta, int rows, int n, double eps)
    {
        var zc = TensorOps.Contiguous(z.Detach());                        // (in the step's scope)
        var zs = zc.Data<float>(); int zo = zc.Offset;
        var th = theta.ToArray();
        var mask = Tensor.Empty(rows, n); var c = Tensor.Empty(rows, n);
        var ms = mask.Data<float>(); var cs = c.Data<float>();
        var kSum = new long[n];
        var onPerRow = new long[rows];
        Par.For(rows, n, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                long on = 0;
                for (int j = 0; j < n; j++)
                {
                    float zv = zs[zo + r * n + j], t = th[j];
                    bool above = zv > t;
                    ms[r * n + j] = above ? 1f : 0f;
                    if (above) on++;
                    bool inKernel = Math.Abs(((double)zv - t) / eps) < 0.5;
                    cs[r * n + j] = inKernel ? (float)(-t / eps) : 0f;
                }
                onPerRow[r] = on;
            }
        });
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
                if (cs[r * n + j] != 0) kSum[j]++;
        var d = Tensor.Empty(n);
        var ds = d.Data<float>();
        for (int j = 0; j < n; j++) ds[j] = (float)(-kSum[j] / (eps * rows));
        return (mask, c, d, (double)onPerRow.Sum() / rows);
    }

    public Tensor? Threshold(SaeParameters p)
    {
        using var scope = TensorScope.Begin();
        using var _ = Tensor.NoGrad();
        return scope.Keep(TensorOps.Exp(p.Extra[LogThresholdName].Detach()));
    }
}

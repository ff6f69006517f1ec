// JumpReLU SAE (Rajamanoharan et al. 2024; Gemma Scope): f = ReLU(pre) where pre > threshold, 0 elsewhere, with a
// learned threshold [d_sae]. Inference only: the gradient w.r.t. pre is the mask (SAELens's too); the threshold
// gets none (training with a straight-through estimator is the trainer's business).
using System.Numerics;
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries;

public sealed class JumpReluSae : ISaeArchitecture
{
    public ISaeTrainingMethod CreateTraining(SaeTrainConfig cfg) => new JumpReluTraining(cfg);

    public string Name => "jumprelu";
    public IReadOnlyList<string> ExtraTensors { get; } = new[] { "threshold" };

    public Tensor Activate(Sae sae, Tensor pre) => Apply(pre, sae.Threshold!);

    /// <summary>ReLU(pre) · [pre > threshold]: pre [.., d_sae], threshold [d_sae] -> [.., d_sae].</summary>
    public static Tensor Apply(Tensor pre, Tensor threshold)
    {
        using var scope = TensorScope.Begin();
        return scope.Keep(TensorOps.Relu(pre) * AboveMask(pre, threshold));
    }

    /// <summary>1 where pre > threshold (per feature, last axis), else 0, in pre's dtype; not recorded for gradients.
    /// NaN compares false.</summary>
    public static Tensor AboveMask(Tensor pre /* [.., d_sae] */, Tensor threshold /* [d_sae] */)
    {
        int n = pre.Shape[^1];
        if (threshold.Rank != 1 || threshold.Shape[0] != n || threshold.DType != pre.DType)
            throw new ArgumentException($"threshold must be {pre.DType} [{n}] for pre-activations [{ShapeUtil.Str(pre.Shape)}]; got {threshold.DType} [{ShapeUtil.Str(threshold.Shape)}].");
        using var scope = TensorScope.Begin();
        using var _ = Tensor.NoGrad();
        var p = TensorOps.Contiguous(pre.Detach());
        var t = TensorOps.Contiguous(threshold.Detach());
        var mask = Tensor.Empty(pre.DType, pre.Shape);
        if (pre.DType == DType.F32) Kernel<float>(p.Data<float>(), p.Offset, t.Data<float>(), t.Offset, n, mask.Data<float>());
        else Kernel<double>(p.Data<double>(), p.Offset, t.Data<double>(), t.Offset, n, mask.Data<double>());
        return scope.Keep(mask);
    }

    private static void Kernel<T>(T[] pre, int pOff, T[] thr, int tOff, int n, T[] dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = n == 0 ? 0 : dst.Length / n;
        Par.For(rows, n, (s, e) =>
        {
            var th = new ReadOnlySpan<T>(thr, tOff, n);
            int vw = Vector<T>.Count;
            for (int r = s; r < e; r++)
            {
                var src = new ReadOnlySpan<T>(pre, pOff + r * n, n);
                var d = new Span<T>(dst, r * n, n);
                int i = 0;
                for (; i <= n - vw; i += vw)
                    Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(src[i..]), new Vector<T>(th[i..])), Vector<T>.One, Vector<T>.Zero).CopyTo(d[i..]);
                for (; i < n; i++) d[i] = src[i] > th[i] ? T.One : T.Zero;
            }
        });
    }
}

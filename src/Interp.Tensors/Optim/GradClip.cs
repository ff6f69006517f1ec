// Global-norm gradient clipping with torch.nn.utils.clip_grad_norm_ semantics: the L2 norm over all
// gradients together; if maxNorm / (norm + 1e-6) < 1 every gradient is scaled by that factor.
// Clipped gradients are new tensors (Grad may alias another parameter's gradient, so never scale in place).
using System.Numerics.Tensors;

namespace Interp.Tensors.Optim;

public static class GradClip
{
    /// <summary>The epsilon torch adds to the norm before dividing.</summary>
    public const double NormEps = 1e-6;

    /// <summary>L2 norm of all gradients of <paramref name="parameters"/> taken together (parameters without Grad are skipped).</summary>
    public static double GlobalNorm(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sum = 0;
        using var _ = GradMode.NoGrad();
        foreach (var p in parameters)
        {
            var g = p.Grad;
            if (g is null) continue;
            using var gc = g.IsContiguous ? g.Detach() : TensorOps.ContiguousNoGrad(g);
            sum += g.DType switch
            {
                DType.F32 => SumOfSquares(gc.Span<float>()),
                DType.F64 => TensorPrimitives.SumOfSquares(gc.Span<double>()),
                _ => throw new ArgumentException($"a {g.DType} gradient cannot be clipped; gradients are F32 or F64."),
            };
        }
        return Math.Sqrt(sum);
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(IEnumerable<Tensor> parameters, double maxNorm, bool errorIfNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"maxNorm must be >= 0; got {maxNorm}.");
        var ps = parameters as IReadOnlyCollection<Tensor> ?? parameters.ToArray();
        double total = GlobalNorm(ps);
        if (!double.IsFinite(total) && errorIfNonFinite)
            throw new InvalidOperationException($"the total gradient norm is {total}; a gradient holds NaN or infinity (check the loss and learning rate).");
        double coef = maxNorm / (total + NormEps);
        if (coef < 1 || double.IsNaN(coef))
        {
            using var _ = GradMode.NoGrad();
            foreach (var p in ps)
                if (p.Grad is { } g) p.Grad = TensorOps.Mul(g, coef);   // the setter disposes the unclipped gradient
        }
        return total;
    }

    // Sum of squares of a float span accumulated in double over blocks, so long gradients keep precision.
    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        const int Block = 4096;
        double s = 0;
        for (int i = 0; i < x.Length; i += Block) s += TensorPrimitives.SumOfSquares(x.Slice(i, Math.Min(Block, x.Length - i)));
        return s;
    }
}

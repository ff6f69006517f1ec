// Cross-entropy of logits against class indices, mean over the rows that are not ignored, stable through
// log-sum-exp, with the fused backward (softmax - onehot) / count. All rows ignored → NaN (as torch).
// Not here: label smoothing, class weights, soft targets.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>
    /// mean over rows i with targets[i] != ignoreIndex of (logsumexp(logits[i]) - logits[i, targets[i]]), a rank-0 tensor.
    /// When every row is ignored the loss is NaN (0/0, as torch) and the gradient is zero.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits /* [N, C] */, Tensor targets /* [N], I64 or I32 */, int ignoreIndex = -100)
    {
        ReduceKernels.RequireFloat(logits, "CrossEntropy");
        if (logits.Rank != 2)
            throw new ArgumentException($"CrossEntropy expects logits [N, C]; got [{ShapeUtil.Str(logits.Shape)}]. Reshape [batch, pos, vocab] to [-1, vocab] (and targets to [-1]) first.");
        int n = logits.Shape[0], c = logits.Shape[1];
        if (targets.DType is not (DType.I64 or DType.I32))
            throw new ArgumentException($"CrossEntropy: targets must be class indices (I64 or I32); got {targets.DType}.");
        if (targets.Rank != 1 || targets.Shape[0] != n)
            throw new ArgumentException($"CrossEntropy: targets must have shape [{n}] to match logits [{n}, {c}]; got [{ShapeUtil.Str(targets.Shape)}].");
        long[] t = targets.DType == DType.I64 ? targets.ToArray<long>() : Array.ConvertAll(targets.ToArray<int>(), v => (long)v);
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (t[i] == ignoreIndex) continue;
            if (t[i] < 0 || t[i] >= c)
                throw new ArgumentException($"CrossEntropy: target {t[i]} at row {i} is out of range for {c} classes (valid: 0..{c - 1}, or ignoreIndex {ignoreIndex} to skip the row).");
            count++;
        }
        return logits.DType == DType.F32 ? CrossEntropyImpl<float>(logits, t, ignoreIndex, count) : CrossEntropyImpl<double>(logits, t, ignoreIndex, count);
    }

    private static Tensor CrossEntropyImpl<T>(Tensor logits, long[] t, int ignore, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = logits.Shape[0], c = logits.Shape[1];
        var xc = ReduceKernels.Dense(logits);
        var xs = xc.Data<T>(); int xo = xc.Offset;
        var lse = new T[n];          // [N] log Σ_c exp(logits[i, c])
        var loss = new double[n];    // [N] per-row loss (0 for ignored rows), summed in order below
        Par.For(n, 3L * c, (s, e) =>
        {
            T[] buf = ArrayPool<T>.Shared.Rent(c);
            try
            {
                var tmp = buf.AsSpan(0, c);
                for (int i = s; i < e; i++)
                {
                    if (t[i] == ignore) continue;
                    var row = xs.AsSpan(xo + i * c, c);
                    T m = TensorPrimitives.Max<T>(row);
                    TensorPrimitives.Subtract(row, m, tmp);
                    TensorPrimitives.Exp<T>(tmp, tmp);
                    lse[i] = m + T.Log(ReduceKernels.PSum<T>(tmp));
                    loss[i] = double.CreateChecked(lse[i] - row[(int)t[i]]);
                }
            }
            finally { ArrayPool<T>.Shared.Return(buf); }
        });
        double total = 0;
        for (int i = 0; i < n; i++) total += loss[i];
        var y = Tensor.Empty(logits.DType);
        y.Data<T>()[0] = T.CreateChecked(count == 0 ? double.NaN : total / count);
        var outT = Tensor.Record(y, "cross_entropy", new[] { logits }, g =>
        {
            T scale = T.CreateChecked(g.ItemDouble() / count);
            var gx = Tensor.Empty(logits.DType, n, c);
            var gd = gx.Data<T>();
            Par.For(n, 2L * c, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    var dst = gd.AsSpan(i * c, c);
                    if (t[i] == ignore) { dst.Clear(); continue; }
                    TensorPrimitives.Subtract(xs.AsSpan(xo + i * c, c), lse[i], dst);
                    TensorPrimitives.Exp<T>(dst, dst);
                    TensorPrimitives.Multiply(dst, scale, dst);
                    dst[(int)t[i]] -= scale;
                }
            });
            return new[] { gx };
        }, xc);
        xc.Dispose();
        return outT;
    }
}

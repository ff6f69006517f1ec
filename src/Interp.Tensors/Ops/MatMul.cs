// Matrix product with batch broadcasting: [..., m, k] @ [..., k, n] -> [..., m, n]. Transposed views
// are passed to GEMM as transpose flags (no copy). Backward: dA = dC·Bᵀ, dB = Aᵀ·dC, summed over broadcast batch.
namespace Interp.Tensors;

public static partial class TensorOps
{
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"MatMul needs rank >= 2 operands; got [{ShapeUtil.Str(a.Shape)}] and [{ShapeUtil.Str(b.Shape)}]. Unsqueeze vectors first.");
        var y = MatMulNoGrad(a, b);
        return Tensor.Record(y, "matmul", new[] { a, b }, g =>
        {
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad)
            {
                using var bt = Transpose(b, -2, -1);
                using var full = MatMulNoGrad(g, bt);
                ga = SumTo(full, a.Shape);
            }
            if (b.RequiresGrad)
            {
                if (b.Rank == 2 && a.Rank > 2 && a.IsContiguous)
                {
                    // Fold a's batch into rows: one GEMM [k, B·m] · [B·m, n] instead of a batch then a sum.
                    int k = a.Shape[^1], n = g.Shape[^1];
                    using var a2 = Reshape(a, -1, k);
                    using var gcont = ContiguousNoGrad(g);
                    using var g2 = Reshape(gcont, -1, n);
                    using var a2t = Transpose(a2, 0, 1);
                    gb = MatMulNoGrad(a2t, g2);
                }
                else
                {
                    using var at = Transpose(a, -2, -1);
                    using var full = MatMulNoGrad(at, g);
                    gb = SumTo(full, b.Shape);
                }
            }
            return new[] { ga, gb };
        }, a, b);
    }

    /// <summary>How a matrix view maps to GEMM arguments: transposed flag and leading dimension, or null if it needs a copy.</summary>
    private static (bool trans, int ld)? GemmLayout(int rows, int cols, int rowStride, int colStride)
    {
        if (colStride == 1 && (rowStride >= cols || rows == 1)) return (false, Math.Max(rowStride, cols));
        if (rowStride == 1 && (colStride >= rows || cols == 1)) return (true, Math.Max(colStride, rows));
        return null;
    }

    internal static unsafe Tensor MatMulNoGrad(Tensor a, Tensor b)
    {
        if (a.DType != b.DType) throw new ArgumentException($"MatMul: dtypes differ ({a.DType} and {b.DType}).");
        int m = a.Shape[^2], k = a.Shape[^1], k2 = b.Shape[^2], n = b.Shape[^1];
        if (k != k2) throw new ArgumentException($"MatMul: inner dimensions differ: [{ShapeUtil.Str(a.Shape)}] @ [{ShapeUtil.Str(b.Shape)}] ({k} vs {k2}).");

        // [B..., m, k] @ [k, n] with a's rows evenly strided: fold batch into m (one big GEMM).
        if (b.Rank == 2 && a.Rank > 2 && CanFoldRows(a))
        {
            int rows = a.Numel / Math.Max(k, 1);
            if (k == 0) rows = ShapeUtil.Numel(a.Shape.AsSpan(0, a.Rank - 1));
            var outShape = a.Shape[..^1].Append(n).ToArray();
            var y = Tensor.Empty(a.DType, outShape);
            GemmOne(a, a.Offset, rows, k, a.Strides[^2], a.Strides[^1], b, b.Offset, b.Strides[^2], b.Strides[^1], y, 0, n);
            return y;
        }

        var batchA = a.Shape[..^2]; var batchB = b.Shape[..^2];
        var batch = ShapeUtil.Broadcast(batchA, batchB);
        var yshape = batch.Append(m).Append(n).ToArray();
        var yb = Tensor.Empty(a.DType, yshape);
        int nb = ShapeUtil.Numel(batch);
        var sa = ShapeUtil.BroadcastStrides(batchA, a.Strides[..^2], batch);
        var sb = ShapeUtil.BroadcastStrides(batchB, b.Strides[..^2], batch);
        var offA = batch.Length == 0 ? new[] { a.Offset } : BatchOffsets(batch, sa, a.Offset);
        var offB = batch.Length == 0 ? new[] { b.Offset } : BatchOffsets(batch, sb, b.Offset);
        // Small matrices (attention heads): spread the batch over the cores; large ones: GEMM threads itself.
        long work = (long)m * n * k;
        if (nb > 1 && work < ManagedGemm.ParallelMinMacs)   // below this the GEMM itself runs single-threaded
            Par.For(nb, work / 8, (s, e) => { for (int i = s; i < e; i++) GemmOne(a, offA[i], m, k, a.Strides[^2], a.Strides[^1], b, offB[i], b.Strides[^2], b.Strides[^1], yb, i * m * n, n); });
        else
            for (int i = 0; i < nb; i++) GemmOne(a, offA[i], m, k, a.Strides[^2], a.Strides[^1], b, offB[i], b.Strides[^2], b.Strides[^1], yb, i * m * n, n);
        return yb;
    }

    private static bool CanFoldRows(Tensor a)
    {
        // Rows of all leading axes must form one arithmetic progression with stride Strides[^2].
        int expect = a.Strides[^2];
        for (int d = a.Rank - 3; d >= 0; d--)
        {
            expect *= a.Shape[d + 1];
            if (a.Shape[d] != 1 && a.Strides[d] != expect) return false;
        }
        return a.Strides[^1] == 1 || a.Shape[^1] == 1;
    }

    private static int[] BatchOffsets(int[] batch, int[] strides, int offset)
    {
        // RowOffsets enumerates all but the last axis; append a dummy inner axis of size 1.
        return Strided.RowOffsets(batch.Append(1).ToArray(), strides.Append(0).ToArray(), offset);
    }

    private static unsafe void GemmOne(Tensor a, int aOff, int m, int k, int aRs, int aCs, Tensor b, int bOff, int bRs, int bCs, Tensor y, int yOff, int n)
    {
        var la = GemmLayout(m, k, aRs, aCs);
        var lb = GemmLayout(k, n, bRs, bCs);
        Tensor? ca = null, cb = null;
        try
        {
            if (la is null) { ca = CopyMatrix(a, aOff, m, k, aRs, aCs); aOff = 0; la = (false, k); }
            if (lb is null) { cb = CopyMatrix(b, bOff, k, n, bRs, bCs); bOff = 0; lb = (false, n); }
            var A = ca ?? a; var B = cb ?? b;
            if (a.DType == DType.F32)
            {
                fixed (float* pa = A.Data<float>()) fixed (float* pb = B.Data<float>()) fixed (float* pc = y.Data<float>())
                {
                    if (k == 0) { new Span<float>(pc + yOff, m * n).Clear(); return; }
                    Backend.Current.Gemm(la.Value.trans, lb.Value.trans, m, n, k, 1f, pa + aOff, la.Value.ld, pb + bOff, lb.Value.ld, 0f, pc + yOff, n);
                }
            }
            else if (a.DType == DType.F64)
            {
                fixed (double* pa = A.Data<double>()) fixed (double* pb = B.Data<double>()) fixed (double* pc = y.Data<double>())
                {
                    if (k == 0) { new Span<double>(pc + yOff, m * n).Clear(); return; }
                    Backend.Current.Gemm(la.Value.trans, lb.Value.trans, m, n, k, 1.0, pa + aOff, la.Value.ld, pb + bOff, lb.Value.ld, 0.0, pc + yOff, n);
                }
            }
            else throw new ArgumentException($"MatMul needs float tensors; got {a.DType}.");
        }
        finally { ca?.Dispose(); cb?.Dispose(); }
    }

    private static Tensor CopyMatrix(Tensor x, int off, int rows, int cols, int rs, int cs)
    {
        using var v = x.ViewOf(new[] { rows, cols }, new[] { rs, cs }, off);
        return Contiguous(v);
    }
}

// Kernels behind the indexing ops (Indexing.cs): reading and bounds-checking index tensors, block
// take / scatter-add along one axis, and the pointwise index walk of gather / scatter. No graph recording here.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

internal static class IndexKernels
{
    /// <summary>
    /// Reads an I64/I32 index tensor (any layout) into row-major ints, checking each value is in [0, limit).
    /// <paramref name="what"/> names a value ("token id"), <paramref name="limitWhat"/> names the limit ("the vocab size").
    /// </summary>
    public static int[] Read(Tensor index, int limit, string op, string what, string limitWhat)
    {
        if (index.DType is not (DType.I64 or DType.I32))
            throw new ArgumentException($"{op}: the index tensor must be I64 or I32, but it is {index.DType}. " +
                "Build it from a long[] or int[] (Tensor.FromArray(new long[] {...}, shape)).");
        var vals = new int[index.Numel];
        Tensor c;
        using (GradMode.NoGrad()) c = TensorOps.Contiguous(index);
        using (c)
        {
            if (index.DType == DType.I64)
            {
                var s = c.Span<long>();
                for (int i = 0; i < s.Length; i++)
                {
                    long v = s[i];
                    if ((ulong)v >= (ulong)limit) throw OutOfRange(op, what, v, i, index.Shape, limit, limitWhat);
                    vals[i] = (int)v;
                }
            }
            else
            {
                var s = c.Span<int>();
                for (int i = 0; i < s.Length; i++)
                {
                    int v = s[i];
                    if ((uint)v >= (uint)limit) throw OutOfRange(op, what, v, i, index.Shape, limit, limitWhat);
                    vals[i] = v;
                }
            }
        }
        return vals;
    }

    private static ArgumentException OutOfRange(string op, string what, long v, int flat, int[] shape, int limit, string limitWhat)
    {
        var pos = new int[shape.Length];
        for (int d = shape.Length - 1, r = flat; d >= 0; d--) { pos[d] = r % shape[d]; r /= shape[d]; }
        string valid = limit > 0 ? $"valid values are 0..{limit - 1}" : "no value is valid";
        return new ArgumentException(
            $"{op}: {what} {v} at position [{ShapeUtil.Str(pos)}] of the index tensor (shape [{ShapeUtil.Str(shape)}]) is out of range: " +
            $"{limitWhat} is {limit}, so {valid}. Check the index values (negative indices are not supported).");
    }

    /// <summary>y[o, k, :] = x[o, idx[k], :] — x is [outer, n, inner] contiguous from xOff, y is [outer, K, inner] contiguous.</summary>
    public static void TakeBlocks<T>(T[] x, int xOff, int outer, int n, int inner, int[] idx, T[] y) where T : unmanaged
    {
        int k = idx.Length;
        if (outer == 0 || k == 0 || inner == 0) return;
        Par.For(outer * k, inner, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int o = r / k, j = r - o * k;
                x.AsSpan(xOff + (o * n + idx[j]) * inner, inner).CopyTo(y.AsSpan(r * inner, inner));
            }
        });
    }

    /// <summary>gx[o, idx[k], :] += g[o, k, :] — g is [outer, K, inner] contiguous from gOff, gx is [outer, n, inner] contiguous.</summary>
    public static void PutAddBlocks<T>(T[] g, int gOff, int outer, int inner, int[] idx, T[] gx, int n) where T : unmanaged, INumber<T>
    {
        int k = idx.Length;
        if (outer == 0 || k == 0 || inner == 0) return;
        // Repeated indices add into the same row, so work is split over (outer, column range), never over k.
        int colChunks = outer >= Par.Threads ? 1 : Math.Clamp(inner / 256, 1, Par.Threads);
        int cw = (inner + colChunks - 1) / colChunks;
        Par.For(outer * colChunks, (long)k * cw, (s, e) =>
        {
            for (int u = s; u < e; u++)
            {
                int o = u / colChunks, c0 = (u - o * colChunks) * cw, len = Math.Min(cw, inner - c0);
                if (len <= 0) continue;
                for (int j = 0; j < k; j++)
                {
                    var dst = gx.AsSpan((o * n + idx[j]) * inner + c0, len);
                    TensorPrimitives.Add(dst, g.AsSpan(gOff + (o * k + j) * inner + c0, len), dst);
                }
            }
        });
    }

    /// <summary>
    /// Visits every position p of an index tensor (shape <paramref name="ishape"/>, row-major values <paramref name="idx"/>).
    /// Offset in a: aOff + Σ p_d·aStr_d with p_axis replaced by idx[p]; offset in b: bOff + Σ p_d·bStr_d.
    /// accumulate=false: b[bo] = a[ao] (gather); accumulate=true: a[ao] += b[bo] (scatter-add).
    /// </summary>
    public static void Walk<T>(int[] ishape, int[] idx, int axis, T[] a, int[] aStr, int aOff, T[] b, int[] bStr, int bOff, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        if (idx.Length == 0) return;
        int r = ishape.Length;
        var aRowStr = (int[])aStr.Clone(); aRowStr[axis] = 0;
        var rowA = Strided.RowOffsets(ishape, aRowStr, aOff);
        var rowB = Strided.RowOffsets(ishape, bStr, bOff);
        int inner = ishape[r - 1], aL = aRowStr[r - 1], bL = bStr[r - 1], sAx = aStr[axis];
        int rows = rowA.Length;

        void Body(int r0, int r1, int c0, int c1)
        {
            for (int row = r0; row < r1; row++)
            {
                int ab = rowA[row], bb = rowB[row], ib = row * inner;
                if (accumulate)
                    for (int j = c0; j < c1; j++) a[ab + j * aL + idx[ib + j] * sAx] += b[bb + j * bL];
                else
                    for (int j = c0; j < c1; j++) b[bb + j * bL] = a[ab + j * aL + idx[ib + j] * sAx];
            }
        }

        if (!accumulate) { Par.For(rows, inner, (s, e) => Body(s, e, 0, inner)); return; }
        // Scatter: two positions can only collide when they differ only along `axis`. Split over a
        // different coordinate so each target element is written by one thread.
        if (r >= 2 && axis != 0)
        {
            int per = rows / ishape[0];
            Par.For(ishape[0], (long)per * inner, (s, e) => Body(s * per, e * per, 0, inner));
        }
        else if (r >= 2 && axis != r - 1) Par.For(inner, rows, (s, e) => Body(0, rows, s, e));
        else Body(0, rows, 0, inner);
    }
}

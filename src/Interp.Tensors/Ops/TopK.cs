// TopK along one axis: the k largest (or smallest) values, sorted best first, and their I64 indices.
// Per row a size-k heap whose threshold lets a SIMD scan skip most elements (the SAE case [4096, 24576],
// k = 32). NaN ranks above every number (as torch); ties keep the lower index. Gradient: scatter to the kept.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>
    /// The k largest (<paramref name="largest"/>) or smallest values along <paramref name="axis"/>, sorted
    /// descending (ascending when !largest), and their indices (I64). Gradient flows to the kept positions.
    /// </summary>
    public static (Tensor values, Tensor indices) TopK(Tensor x, int k, int axis = -1, bool largest = true)
    {
        ReduceKernels.RequireFloat(x, "TopK");
        if (x.Rank == 0) throw new ArgumentException("TopK needs at least one axis; got a rank-0 tensor. Reshape it to [1] first.");
        int a = ShapeUtil.Axis(axis, x.Rank), n = x.Shape[a];
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} but axis {a} of shape [{ShapeUtil.Str(x.Shape)}] has {n} elements; choose 0 <= k <= {n}.");
        return x.DType == DType.F32 ? TopKImpl<float>(x, k, a, largest) : TopKImpl<double>(x, k, a, largest);
    }

    private static (Tensor, Tensor) TopKImpl<T>(Tensor x, int k, int a, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = x.Rank, n = x.Shape[a];
        int after = 1;
        for (int i = a + 1; i < rank; i++) after *= x.Shape[i];
        bool moved = after > 1;   // rows along the axis are contiguous only when nothing (of size > 1) follows it
        Tensor xt;
        using (var d = x.Detach())
        {
            if (!moved) xt = Contiguous(d);
            else { using var tr = Transpose(d, a, -1); xt = Contiguous(tr); }
        }
        var tShape = (int[])xt.Shape.Clone();   // [..., n] in row layout
        int pos = moved ? rank - 1 : a;
        var kShape = (int[])tShape.Clone(); kShape[pos] = k;
        int rows = ShapeUtil.Numel(kShape) / Math.Max(k, 1);
        if (k == 0) rows = 0;
        var vt = Tensor.Empty(x.DType, kShape);
        var it = Tensor.Empty(DType.I64, kShape);
        var xs = xt.Data<T>(); int xo = xt.Offset; var vs = vt.Data<T>(); var ids = it.Data<long>();
        Par.For(rows, n, (s, e) =>
        {
            var hv = new T[k]; var hi = new int[k];
            for (int r = s; r < e; r++)
                TopKRow<T>(xs.AsSpan(xo + r * n, n), k, largest, hv, hi, vs.AsSpan(r * k, k), ids.AsSpan(r * k, k));
        });
        xt.Dispose();
        Tensor values = vt, indices = it;
        if (moved)
        {
            using (var tv = Transpose(vt, a, -1)) values = Contiguous(tv);
            using (var ti = Transpose(it, a, -1)) indices = Contiguous(ti);
            vt.Dispose();
        }
        var rec = Tensor.Record(values, "topk", new[] { x }, g =>
        {
            // Scatter g into zeros in row layout, then undo the transpose.
            using var gt0 = moved ? Transpose(g, a, -1) : g.Detach();
            using var gt = Contiguous(gt0);
            var gs = gt.Data<T>(); int go = gt.Offset; var ix = it.Data<long>();
            var gx = Tensor.Zeros(x.DType, tShape);
            var gd = gx.Data<T>();
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < k; j++) gd[r * n + (int)ix[r * k + j]] += gs[go + r * k + j];
            if (!moved) return new[] { gx };
            using (gx) using (var back = Transpose(gx, a, -1)) return new[] { Contiguous(back) };
        }, it);
        if (moved) it.Dispose();   // the node (if any) retains the row-layout indices
        return (rec, indices);
    }

    /// <summary>Selects the best k of <paramref name="x"/> into outV/outI, best first. hv/hi: scratch of length k.</summary>
    internal static void TopKRow<T>(ReadOnlySpan<T> x, int k, bool largest, Span<T> hv, Span<int> hi, Span<T> outV, Span<long> outI)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0) return;
        int n = x.Length;
        // Min-heap on "better": the root is the worst kept element, the threshold a newcomer must beat.
        for (int j = 0; j < k; j++) { hv[j] = x[j]; hi[j] = j; HeapUp(hv, hi, j, largest); }
        int p = k;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            int w = Vector512<T>.Count;
            while (p + w <= n)
            {
                var v = Vector512.LoadUnsafe(ref x0, (nuint)p);
                T thr = hv[0];
                bool any = largest
                    ? !T.IsNaN(thr) && (Vector512.GreaterThanAny(v, Vector512.Create(thr)) || !Vector512.EqualsAll(v, v))
                    : T.IsNaN(thr) || Vector512.LessThanAny(v, Vector512.Create(thr));
                if (any) for (int t = 0; t < w; t++) Offer(x[p + t], p + t, hv, hi, k, largest);
                p += w;
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            while (p + w <= n)
            {
                var v = Vector256.LoadUnsafe(ref x0, (nuint)p);
                T thr = hv[0];
                bool any = largest
                    ? !T.IsNaN(thr) && (Vector256.GreaterThanAny(v, Vector256.Create(thr)) || !Vector256.EqualsAll(v, v))
                    : T.IsNaN(thr) || Vector256.LessThanAny(v, Vector256.Create(thr));
                if (any) for (int t = 0; t < w; t++) Offer(x[p + t], p + t, hv, hi, k, largest);
                p += w;
            }
        }
        for (; p < n; p++) Offer(x[p], p, hv, hi, k, largest);
        // Pop the worst to the back: the output ends up best first.
        for (int size = k; size > 0; size--)
        {
            outV[size - 1] = hv[0]; outI[size - 1] = hi[0];
            hv[0] = hv[size - 1]; hi[0] = hi[size - 1];
            HeapDown(hv, hi, 0, size - 1, largest);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer<T>(T v, int j, Span<T> hv, Span<int> hi, int k, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!TopKBetter(v, j, hv[0], hi[0], largest)) return;
        hv[0] = v; hi[0] = j;
        HeapDown(hv, hi, 0, k, largest);
    }

    /// <summary>Whether (a, ia) ranks before (b, ib): by value (NaN highest), then by lower index.</summary>
    private static bool TopKBetter<T>(T a, int ia, T b, int ib, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool an = T.IsNaN(a), bn = T.IsNaN(b);
        if (an || bn)
        {
            if (an && bn) return ia < ib;
            return largest ? an : bn;
        }
        if (a == b) return ia < ib;
        return largest ? a > b : a < b;
    }

    private static void HeapUp<T>(Span<T> hv, Span<int> hi, int i, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!TopKBetter(hv[parent], hi[parent], hv[i], hi[i], largest)) break;
            (hv[parent], hv[i]) = (hv[i], hv[parent]); (hi[parent], hi[i]) = (hi[i], hi[parent]);
            i = parent;
        }
    }

    private static void HeapDown<T>(Span<T> hv, Span<int> hi, int i, int size, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        while (true)
        {
            int worst = i, l = 2 * i + 1, r = l + 1;
            if (l < size && TopKBetter(hv[worst], hi[worst], hv[l], hi[l], largest)) worst = l;
            if (r < size && TopKBetter(hv[worst], hi[worst], hv[r], hi[r], largest)) worst = r;
            if (worst == i) return;
            (hv[worst], hv[i]) = (hv[i], hv[worst]); (hi[worst], hi[i]) = (hi[i], hi[worst]);
            i = worst;
        }
    }
}

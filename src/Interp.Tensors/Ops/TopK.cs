// TopK along one axis: the k largest (or smallest) values, sorted best first, and their I64 indices.
// Per row: a SIMD scan against the k-th best so far collects candidates, a quickselect prunes them (the SAE
// case [4096, 24576], k = 32, reads each element about once). NaN ranks above every number (as torch); ties
// keep the lower index. Gradient: scattered into zeros at the kept positions.
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
            int cap = TopKBufferSize(k, n);
            var cv = new T[cap]; var ci = new int[cap];
            for (int r = s; r < e; r++)
                TopKRow<T>(xs.AsSpan(xo + r * n, n), k, largest, cv, ci, vs.AsSpan(r * k, k), ids.AsSpan(r * k, k));
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

    /// <summary>Candidate buffer length for TopKRow: room for k kept plus about 3k newcomers, and one vector of slack.</summary>
    internal static int TopKBufferSize(int k, int n) => Math.Min(n, 4 * k + 64) + 64;

    /// <summary>
    /// Selects the best k of <paramref name="x"/> into outV/outI, best first. cv/ci: scratch of TopKBufferSize(k, n).
    /// Candidates that beat the threshold (the k-th best so far) are appended to a buffer; when it fills, a
    /// quickselect keeps the best k and raises the threshold. A SIMD compare skips non-candidates.
    /// </summary>
    internal static void TopKRow<T>(ReadOnlySpan<T> x, int k, bool largest, Span<T> cv, Span<int> ci, Span<T> outV, Span<long> outI)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0) return;
        int n = x.Length, cap = cv.Length - 64;
        int c = Math.Min(n, cap);
        x[..c].CopyTo(cv);
        for (int j = 0; j < c; j++) ci[j] = j;
        int p = c;
        c = TopKSelect(cv, ci, c, k, largest);
        T thr = cv[k - 1]; int thrI = ci[k - 1];
        ref T x0 = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            // Four vectors per step (the buffer has 64 elements of slack for them); most steps find no candidate.
            int w = Vector512<T>.Count;
            var t = Vector512.Create(thr);
            bool nanThr = T.IsNaN(thr);
            for (; p + 4 * w <= n; p += 4 * w)
            {
                if (largest && nanThr) { p = n; break; }   // nothing outranks a NaN of lower index
                var m0 = TopKCandidates(Vector512.LoadUnsafe(ref x0, (nuint)p), t, largest, nanThr);
                var m1 = TopKCandidates(Vector512.LoadUnsafe(ref x0, (nuint)(p + w)), t, largest, nanThr);
                var m2 = TopKCandidates(Vector512.LoadUnsafe(ref x0, (nuint)(p + 2 * w)), t, largest, nanThr);
                var m3 = TopKCandidates(Vector512.LoadUnsafe(ref x0, (nuint)(p + 3 * w)), t, largest, nanThr);
                if ((m0 | m1 | m2 | m3).ExtractMostSignificantBits() == 0) continue;
                c = TopKAppend(x, p, m0.ExtractMostSignificantBits(), cv, ci, c);
                c = TopKAppend(x, p + w, m1.ExtractMostSignificantBits(), cv, ci, c);
                c = TopKAppend(x, p + 2 * w, m2.ExtractMostSignificantBits(), cv, ci, c);
                c = TopKAppend(x, p + 3 * w, m3.ExtractMostSignificantBits(), cv, ci, c);
                if (c >= cap)
                {
                    c = TopKSelect(cv, ci, c, k, largest);
                    thr = cv[k - 1]; thrI = ci[k - 1]; t = Vector512.Create(thr); nanThr = T.IsNaN(thr);
                }
            }
        }
        for (; p < n; p++)
        {
            if (!TopKBetter(x[p], p, thr, thrI, largest)) continue;
            cv[c] = x[p]; ci[c++] = p;
            if (c >= cap) { c = TopKSelect(cv, ci, c, k, largest); thr = cv[k - 1]; thrI = ci[k - 1]; }
        }
        TopKSelect(cv, ci, c, k, largest);
        // Heap-sort the k kept: a heap with the worst on top, popped to the back, leaves them best first.
        var hv = cv[..k]; var hi = ci[..k];
        for (int j = 1; j < k; j++) TopKHeapUp(hv, hi, j, largest);
        for (int size = k; size > 0; size--)
        {
            outV[size - 1] = hv[0]; outI[size - 1] = hi[0];
            hv[0] = hv[size - 1]; hi[0] = hi[size - 1];
            TopKHeapDown(hv, hi, 0, size - 1, largest);
        }
    }

    /// <summary>Lanes of v that beat threshold t: strictly better values (an equal one loses on index); NaN is the largest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> TopKCandidates<T>(Vector512<T> v, Vector512<T> t, bool largest, bool nanThr) where T : unmanaged, IFloatingPointIeee754<T> =>
        largest ? ~Vector512.LessThanOrEqual(v, t) : nanThr ? Vector512.Equals(v, v) : Vector512.LessThan(v, t);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TopKAppend<T>(ReadOnlySpan<T> x, int p, ulong bits, Span<T> cv, Span<int> ci, int c) where T : unmanaged
    {
        for (; bits != 0; bits &= bits - 1) { int j = p + BitOperations.TrailingZeroCount(bits); cv[c] = x[j]; ci[c++] = j; }
        return c;
    }

    /// <summary>Quickselect: reorders the first c pairs so the best k come first and the k-th best sits at k-1; returns k.</summary>
    private static int TopKSelect<T>(Span<T> v, Span<int> ix, int c, int k, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lo = 0, hi = c - 1, target = k - 1;
        while (hi > lo)
        {
            int mid = lo + (hi - lo) / 2;
            // Median of three moved to mid, so sorted input does not go quadratic.
            if (TopKBetter(v[mid], ix[mid], v[lo], ix[lo], largest)) TopKSwap(v, ix, mid, lo);
            if (TopKBetter(v[hi], ix[hi], v[lo], ix[lo], largest)) TopKSwap(v, ix, hi, lo);
            if (TopKBetter(v[hi], ix[hi], v[mid], ix[mid], largest)) TopKSwap(v, ix, hi, mid);
            T pv = v[mid]; int pi = ix[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (TopKBetter(v[i], ix[i], pv, pi, largest)) i++;
                while (TopKBetter(pv, pi, v[j], ix[j], largest)) j--;
                if (i <= j) { TopKSwap(v, ix, i, j); i++; j--; }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else break;
        }
        return k;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TopKSwap<T>(Span<T> v, Span<int> ix, int a, int b) where T : unmanaged
    {
        (v[a], v[b]) = (v[b], v[a]);
        (ix[a], ix[b]) = (ix[b], ix[a]);
    }

    /// <summary>Whether (a, ia) ranks before (b, ib): by value (NaN highest), then by lower index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TopKBetter<T>(T a, int ia, T b, int ib, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (largest) { if (a > b) return true; if (a < b) return false; }
        else { if (a < b) return true; if (a > b) return false; }
        // Equal, or a NaN on either side.
        bool an = T.IsNaN(a), bn = T.IsNaN(b);
        if (an != bn) return largest ? an : bn;
        return ia < ib;
    }

    private static void TopKHeapUp<T>(Span<T> hv, Span<int> hi, int i, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!TopKBetter(hv[parent], hi[parent], hv[i], hi[i], largest)) break;
            (hv[parent], hv[i]) = (hv[i], hv[parent]); (hi[parent], hi[i]) = (hi[i], hi[parent]);
            i = parent;
        }
    }

    private static void TopKHeapDown<T>(Span<T> hv, Span<int> hi, int i, int size, bool largest) where T : unmanaged, IFloatingPointIeee754<T>
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

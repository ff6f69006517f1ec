// Indexing ops with integer (I64/I32) index tensors: Embedding, IndexSelect, Gather (torch.gather) and
// ScatterAdd (out-of-place torch.scatter_add), each with its backward beside it. Kernels are in IndexKernels.cs.
// Index tensors never receive gradients; negative indices are rejected, not wrapped.
using System.Numerics;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>Rows of <paramref name="weight"/> picked by <paramref name="ids"/>: [...ids.shape, d]. Gradient flows to weight only.</summary>
    public static Tensor Embedding(Tensor weight /* [vocab, d] */, Tensor ids /* I64|I32, any shape */)
    {
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: weight must be [vocab, d], but has shape [{ShapeUtil.Str(weight.Shape)}].");
        RequireFloat(weight, "Embedding", "weight");
        int vocab = weight.Shape[0], d = weight.Shape[1];
        var idx = IndexKernels.Read(ids, vocab, "Embedding", "token id", "the vocab size (rows of weight)");
        var y = Tensor.Empty(weight.DType, [.. ids.Shape, d]);
        using (var w = Dense(weight)) TakeBlocksAny(w, 1, vocab, d, idx, y);
        var dt = weight.DType;
        return Tensor.Record(y, "embedding", new[] { weight }, g =>
        {
            var gw = Tensor.Zeros(dt, vocab, d);
            using var gc = Dense(g);
            PutAddBlocksAny(gc, 1, d, idx, gw, vocab);
            return new[] { gw };
        });
    }

    /// <summary>Entries of x at positions <paramref name="index"/> along <paramref name="axis"/> (torch.index_select); repeats allowed.</summary>
    public static Tensor IndexSelect(Tensor x, int axis, Tensor index /* I64|I32 [k] */)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        if (index.Rank != 1)
            throw new ArgumentException($"IndexSelect: index must be 1-D, but has shape [{ShapeUtil.Str(index.Shape)}]; flatten it first.");
        int n = x.Shape[a];
        var idx = IndexKernels.Read(index, n, "IndexSelect", "index", $"the size of axis {a} of x (shape [{ShapeUtil.Str(x.Shape)}])");
        var (outer, inner) = OuterInner(x.Shape, a);
        var shape = (int[])x.Shape.Clone(); shape[a] = idx.Length;
        var y = Tensor.Empty(x.DType, shape);
        using (var xc = Dense(x)) TakeBlocksAny(xc, outer, n, inner, idx, y);
        var inShape = x.Shape; var dt = x.DType;
        return Tensor.Record(y, "index_select", new[] { x }, g =>
        {
            var gx = Tensor.Zeros(dt, inShape);
            using var gc = Dense(g);
            PutAddBlocksAny(gc, outer, inner, idx, gx, n);
            return new[] { gx };
        });
    }

    /// <summary>
    /// torch.gather: out[p] = x[p with p_axis replaced by index[p]]. index has x's rank, index.Size(d) &lt;= x.Size(d)
    /// for d != axis, and the result has index's shape.
    /// </summary>
    public static Tensor Gather(Tensor x, int axis, Tensor index /* I64|I32, same rank as x */)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        CheckIndexShape("Gather", index, x, "x", a, sizesUpTo: null);
        var idx = IndexKernels.Read(index, x.Shape[a], "Gather", "index", $"the size of axis {a} of x (shape [{ShapeUtil.Str(x.Shape)}])");
        var ishape = index.Shape;
        var y = Tensor.Empty(x.DType, ishape);
        WalkAny(ishape, idx, a, x, x.Strides, x.Offset, y, y.Strides, 0, accumulate: false);
        var inShape = x.Shape; var dt = x.DType;
        return Tensor.Record(y, "gather", new[] { x }, g =>
        {
            var gx = Tensor.Zeros(dt, inShape);
            WalkAny(ishape, idx, a, gx, gx.Strides, 0, g, g.Strides, g.Offset, accumulate: true);
            return new[] { gx };
        });
    }

    /// <summary>
    /// Out-of-place torch.scatter_add: a copy of x with out[p with p_axis replaced by index[p]] += src[p] for every
    /// position p of index. index, x and src share a rank; index.Size(d) &lt;= src.Size(d) for all d and &lt;= x.Size(d) for d != axis.
    /// Gradients flow to x and src (src positions outside index's extent get zero).
    /// </summary>
    public static Tensor ScatterAdd(Tensor x, int axis, Tensor index /* I64|I32 */, Tensor src)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        if (src.DType != x.DType) throw new ArgumentException($"ScatterAdd: src is {src.DType} but x is {x.DType}; convert one so they match.");
        if (src.Rank != x.Rank)
            throw new ArgumentException($"ScatterAdd: src (shape [{ShapeUtil.Str(src.Shape)}]) must have the same rank as x (shape [{ShapeUtil.Str(x.Shape)}]).");
        CheckIndexShape("ScatterAdd", index, x, "x", a, sizesUpTo: src);
        var idx = IndexKernels.Read(index, x.Shape[a], "ScatterAdd", "index", $"the size of axis {a} of x (shape [{ShapeUtil.Str(x.Shape)}])");
        var ishape = index.Shape;
        var y = Tensor.Empty(x.DType, x.Shape);
        using (var xd = x.Detach()) CopyInto(y, xd);
        WalkAny(ishape, idx, a, y, y.Strides, 0, src, src.Strides, src.Offset, accumulate: true);
        var srcShape = src.Shape; var dt = x.DType;
        return Tensor.Record(y, "scatter_add", new[] { x, src }, g =>
        {
            Tensor? gsrc = null;
            if (src.RequiresGrad)
            {
                gsrc = Tensor.Zeros(dt, srcShape);
                WalkAny(ishape, idx, a, g, g.Strides, g.Offset, gsrc, gsrc.Strides, 0, accumulate: false);
            }
            return new[] { x.RequiresGrad ? g.Detach() : null, gsrc };
        });
    }

    // ---- helpers ----

    /// <summary>A contiguous, unrecorded version of t (a view when t is already contiguous); dispose it.</summary>
    private static Tensor Dense(Tensor t)
    {
        using (GradMode.NoGrad()) return Contiguous(t);
    }

    private static void RequireFloat(Tensor t, string op, string name)
    {
        if (!DTypeInfo.IsFloat(t.DType))
            throw new ArgumentException($"{op}: {name} must be F32 or F64, but it is {t.DType}.");
    }

    private static (int outer, int inner) OuterInner(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, inner);
    }

    /// <summary>index must have x's rank; index.Size(d) &lt;= x.Size(d) for d != axis, and &lt;= sizesUpTo.Size(d) for all d when given.</summary>
    private static void CheckIndexShape(string op, Tensor index, Tensor x, string xName, int axis, Tensor? sizesUpTo)
    {
        if (index.Rank != x.Rank)
            throw new ArgumentException($"{op}: index (shape [{ShapeUtil.Str(index.Shape)}]) must have the same rank as {xName} (shape [{ShapeUtil.Str(x.Shape)}]).");
        for (int d = 0; d < x.Rank; d++)
        {
            if (d != axis && index.Shape[d] > x.Shape[d])
                throw new ArgumentException($"{op}: index has size {index.Shape[d]} on axis {d}, larger than {xName}'s {x.Shape[d]} " +
                    $"(index [{ShapeUtil.Str(index.Shape)}], {xName} [{ShapeUtil.Str(x.Shape)}]); only axis {axis} may be larger.");
            if (sizesUpTo is not null && index.Shape[d] > sizesUpTo.Shape[d])
                throw new ArgumentException($"{op}: index has size {index.Shape[d]} on axis {d}, larger than src's {sizesUpTo.Shape[d]} " +
                    $"(index [{ShapeUtil.Str(index.Shape)}], src [{ShapeUtil.Str(sizesUpTo.Shape)}]).");
        }
    }

    private static void TakeBlocksAny(Tensor xc, int outer, int n, int inner, int[] idx, Tensor y)
    {
        switch (xc.DType)
        {
            case DType.F32: IndexKernels.TakeBlocks(xc.Data<float>(), xc.Offset, outer, n, inner, idx, y.Data<float>()); break;
            case DType.F64: IndexKernels.TakeBlocks(xc.Data<double>(), xc.Offset, outer, n, inner, idx, y.Data<double>()); break;
            case DType.I64: IndexKernels.TakeBlocks(xc.Data<long>(), xc.Offset, outer, n, inner, idx, y.Data<long>()); break;
            case DType.I32: IndexKernels.TakeBlocks(xc.Data<int>(), xc.Offset, outer, n, inner, idx, y.Data<int>()); break;
            default: throw new NotSupportedException($"indexing is not supported for {xc.DType}.");
        }
    }

    private static void PutAddBlocksAny(Tensor gc, int outer, int inner, int[] idx, Tensor gx, int n)
    {
        switch (gc.DType)
        {
            case DType.F32: IndexKernels.PutAddBlocks(gc.Data<float>(), gc.Offset, outer, inner, idx, gx.Data<float>(), n); break;
            case DType.F64: IndexKernels.PutAddBlocks(gc.Data<double>(), gc.Offset, outer, inner, idx, gx.Data<double>(), n); break;
            default: throw new NotSupportedException($"index gradients need F32 or F64, got {gc.DType}.");
        }
    }

    private static void WalkAny(int[] ishape, int[] idx, int axis, Tensor a, int[] aStr, int aOff, Tensor b, int[] bStr, int bOff, bool accumulate)
    {
        switch (a.DType)
        {
            case DType.F32: Walk<float>(); break;
            case DType.F64: Walk<double>(); break;
            case DType.I64: Walk<long>(); break;
            case DType.I32: Walk<int>(); break;
            default: throw new NotSupportedException($"indexing is not supported for {a.DType}.");
        }
        void Walk<T>() where T : unmanaged, INumber<T> =>
            IndexKernels.Walk(ishape, idx, axis, a.Data<T>(), aStr, aOff, b.Data<T>(), bStr, bOff, accumulate);
    }
}

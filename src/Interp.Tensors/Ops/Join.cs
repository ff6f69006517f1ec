// Joining and splitting along an axis: Cat and Stack copy into a new tensor (backward = views of the
// gradient); Split and Chunk return Narrow views with torch's chunking rules. Any dtype (F32/F64/I64/I32).
namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>Concatenates tensors along an existing axis; all other sizes and the dtype must match.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> xs /* each [..., n_i, ...] */, int axis)
    {
        if (xs.Count == 0) throw new ArgumentException("Cat: needs at least one tensor, got none.");
        var first = xs[0];
        int a = ShapeUtil.Axis(axis, first.Rank);
        var sizes = new int[xs.Count];
        int total = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            var t = xs[i];
            if (t.DType != first.DType)
                throw new ArgumentException($"Cat: tensor {i} is {t.DType} but tensor 0 is {first.DType}; convert them to one dtype first.");
            bool ok = t.Rank == first.Rank;
            for (int d = 0; ok && d < t.Rank; d++) ok = d == a || t.Shape[d] == first.Shape[d];
            if (!ok)
                throw new ArgumentException($"Cat: tensor {i} has shape [{ShapeUtil.Str(t.Shape)}] but tensor 0 has [{ShapeUtil.Str(first.Shape)}]; " +
                    $"all sizes must match except along axis {a}.");
            sizes[i] = t.Shape[a];
            total = checked(total + sizes[i]);
        }
        var shape = (int[])first.Shape.Clone(); shape[a] = total;
        var y = Tensor.Empty(first.DType, shape);
        var (outer, inner) = OuterInner(shape, a);
        var dense = new Tensor[xs.Count];
        try
        {
            for (int i = 0; i < xs.Count; i++) dense[i] = Dense(xs[i]);
            switch (y.DType)
            {
                case DType.F32: CatKernel<float>(dense, sizes, outer, inner, total, y); break;
                case DType.F64: CatKernel<double>(dense, sizes, outer, inner, total, y); break;
                case DType.I64: CatKernel<long>(dense, sizes, outer, inner, total, y); break;
                case DType.I32: CatKernel<int>(dense, sizes, outer, inner, total, y); break;
                default: throw new NotSupportedException($"Cat is not supported for {y.DType}.");
            }
        }
        finally { foreach (var t in dense) t?.Dispose(); }

        var inputs = xs.ToArray();
        return Tensor.Record(y, "cat", inputs, g =>
        {
            var gs = new Tensor?[inputs.Length];
            for (int i = 0, off = 0; i < inputs.Length; off += sizes[i], i++)
                if (inputs[i].RequiresGrad) gs[i] = Narrow(g, a, off, sizes[i]);
            return gs;
        });
    }

    private static void CatKernel<T>(Tensor[] xs, int[] sizes, int outer, int inner, int total, Tensor y) where T : unmanaged
    {
        var yd = y.Data<T>();
        Par.For(outer, (long)total * inner, (s, e) =>
        {
            for (int o = s; o < e; o++)
            {
                int dst = o * total * inner;
                for (int i = 0; i < xs.Length; i++)
                {
                    int len = sizes[i] * inner;
                    xs[i].Data<T>().AsSpan(xs[i].Offset + o * len, len).CopyTo(yd.AsSpan(dst, len));
                    dst += len;
                }
            }
        });
    }

    /// <summary>Stacks equal-shaped tensors along a new axis (axis may be -(rank+1)..rank).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> xs /* each [...], equal shapes */, int axis)
    {
        if (xs.Count == 0) throw new ArgumentException("Stack: needs at least one tensor, got none.");
        int a = ShapeUtil.Axis(axis, xs[0].Rank + 1);
        for (int i = 1; i < xs.Count; i++)
            if (!ShapeUtil.SameShape(xs[i].Shape, xs[0].Shape))
                throw new ArgumentException($"Stack: tensor {i} has shape [{ShapeUtil.Str(xs[i].Shape)}] but tensor 0 has [{ShapeUtil.Str(xs[0].Shape)}]; " +
                    "all tensors must have the same shape.");
        var us = new Tensor[xs.Count];
        try
        {
            for (int i = 0; i < xs.Count; i++) us[i] = Unsqueeze(xs[i], a);
            return Cat(us, a);
        }
        finally { foreach (var u in us) u?.Dispose(); }
    }

    /// <summary>Views of consecutive pieces of <paramref name="splitSize"/> along an axis; the last may be smaller (torch.split).</summary>
    public static Tensor[] Split(Tensor x, int splitSize, int axis)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        int n = x.Shape[a];
        if (splitSize <= 0) throw new ArgumentException($"Split: splitSize must be positive, got {splitSize}.");
        if (n == 0) return new[] { Narrow(x, a, 0, 0) };
        int count = (n + splitSize - 1) / splitSize;
        var parts = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            int start = i * splitSize;
            parts[i] = Narrow(x, a, start, Math.Min(splitSize, n - start));
        }
        return parts;
    }

    /// <summary>Views of pieces with the given sizes along an axis; the sizes must add up to the axis size (torch.split with a list).</summary>
    public static Tensor[] Split(Tensor x, int[] sizes, int axis)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        long sum = 0;
        foreach (var s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: sizes [{ShapeUtil.Str(sizes)}] contain a negative size.");
            sum += s;
        }
        if (sum != x.Shape[a])
            throw new ArgumentException($"Split: sizes [{ShapeUtil.Str(sizes)}] add up to {sum}, but axis {a} of [{ShapeUtil.Str(x.Shape)}] has size {x.Shape[a]}.");
        var parts = new Tensor[sizes.Length];
        for (int i = 0, off = 0; i < sizes.Length; off += sizes[i], i++) parts[i] = Narrow(x, a, off, sizes[i]);
        return parts;
    }

    /// <summary>torch.chunk: pieces of ceil(n / chunks) along an axis, so there may be fewer than <paramref name="chunks"/>.</summary>
    public static Tensor[] Chunk(Tensor x, int chunks, int axis)
    {
        if (chunks <= 0) throw new ArgumentException($"Chunk: chunks must be positive, got {chunks}.");
        int a = ShapeUtil.Axis(axis, x.Rank);
        int n = x.Shape[a];
        // torch: an empty axis gives `chunks` empty pieces.
        if (n == 0) return Split(x, new int[chunks], a);
        return Split(x, (n + chunks - 1) / chunks, a);
    }
}

// Shape ops that return views without copying (reshape of a contiguous tensor, transpose, permute,
// narrow, select, expand, unsqueeze, squeeze) and Contiguous(), each with its backward beside it.
namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>A contiguous tensor with the same values (a view when already contiguous).</summary>
    public static Tensor Contiguous(Tensor x)
    {
        Tensor y;
        if (x.IsContiguous) y = x.ViewOf(x.Shape, x.Strides, x.Offset);
        else
        {
            y = Tensor.Empty(x.DType, x.Shape);
            // A transposed matrix view [a, b] with strides [1, ld]: blocked transpose instead of a strided walk.
            if (x.Rank == 2 && x.Strides[0] == 1 && x.Strides[1] >= x.Shape[0] && x.Shape[0] > 1 && x.Shape[1] > 1)
            {
                switch (x.DType)
                {
                    case DType.F32: Transpose2D.Run(x.Data<float>(), x.Offset, x.Shape[1], x.Shape[0], x.Strides[1], y.Data<float>(), 0); break;
                    case DType.F64: Transpose2D.Run(x.Data<double>(), x.Offset, x.Shape[1], x.Shape[0], x.Strides[1], y.Data<double>(), 0); break;
                    case DType.I64: Transpose2D.Run(x.Data<long>(), x.Offset, x.Shape[1], x.Shape[0], x.Strides[1], y.Data<long>(), 0); break;
                    case DType.I32: Transpose2D.Run(x.Data<int>(), x.Offset, x.Shape[1], x.Shape[0], x.Strides[1], y.Data<int>(), 0); break;
                }
                return Tensor.Record(y, "contiguous", new[] { x }, g => new[] { g });
            }
            switch (x.DType)
            {
                case DType.F32: Strided.CopyToContiguous(x.Data<float>(), x.Shape, x.Strides, x.Offset, y.Span<float>()); break;
                case DType.F64: Strided.CopyToContiguous(x.Data<double>(), x.Shape, x.Strides, x.Offset, y.Span<double>()); break;
                case DType.I64: Strided.CopyToContiguous(x.Data<long>(), x.Shape, x.Strides, x.Offset, y.Span<long>()); break;
                case DType.I32: Strided.CopyToContiguous(x.Data<int>(), x.Shape, x.Strides, x.Offset, y.Span<int>()); break;
            }
        }
        return Tensor.Record(y, "contiguous", new[] { x }, g => new[] { g });
    }

    /// <summary>A contiguous handle on x's values that is not recorded for backward (a view when x is already contiguous).</summary>
    internal static Tensor ContiguousNoGrad(Tensor x)
    {
        using (GradMode.NoGrad()) return Contiguous(x);
    }

    /// <summary>Writes <paramref name="src"/> (broadcast to dst's shape) into the view <paramref name="dst"/>. Not recorded.</summary>
    public static void CopyInto(Tensor dst, Tensor src)
    {
        if (dst.DType != src.DType) throw new ArgumentException($"CopyInto: destination is {dst.DType}, source is {src.DType}.");
        using var noGrad = GradMode.NoGrad();
        using var s0 = ShapeUtil.SameShape(dst.Shape, src.Shape) ? src.Detach() : Expand(src, dst.Shape);
        using var s = Contiguous(s0);
        switch (dst.DType)
        {
            case DType.F32: Strided.CopyFromContiguous<float>(s.Span<float>(), dst.Data<float>(), dst.Shape, dst.Strides, dst.Offset); break;
            case DType.F64: Strided.CopyFromContiguous<double>(s.Span<double>(), dst.Data<double>(), dst.Shape, dst.Strides, dst.Offset); break;
            case DType.I64: Strided.CopyFromContiguous<long>(s.Span<long>(), dst.Data<long>(), dst.Shape, dst.Strides, dst.Offset); break;
            case DType.I32: Strided.CopyFromContiguous<int>(s.Span<int>(), dst.Data<int>(), dst.Shape, dst.Strides, dst.Offset); break;
        }
    }

    /// <summary>Reshape; one dimension may be -1. A view when x is contiguous, else a copy.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var s = (int[])shape.Clone();
        int neg = Array.IndexOf(s, -1);
        if (neg >= 0)
        {
            int known = 1;
            for (int i = 0; i < s.Length; i++) if (i != neg) known *= s[i];
            if (known == 0 || x.Numel % known != 0) throw new ArgumentException($"cannot reshape [{ShapeUtil.Str(x.Shape)}] to [{ShapeUtil.Str(shape)}].");
            s[neg] = x.Numel / known;
        }
        if (ShapeUtil.Numel(s) != x.Numel)
            throw new ArgumentException($"cannot reshape [{ShapeUtil.Str(x.Shape)}] ({x.Numel} elements) to [{ShapeUtil.Str(shape)}] ({ShapeUtil.Numel(s)} elements).");
        Tensor y;
        if (x.IsContiguous) y = x.ViewOf(s, ShapeUtil.ContiguousStrides(s), x.Offset);
        else if (ViewStrides(x.Shape, x.Strides, s) is { } vs) y = x.ViewOf(s, vs, x.Offset);
        else
        {
            using var c = ContiguousNoGrad(x);
            y = c.ViewOf(s, ShapeUtil.ContiguousStrides(s), c.Offset);
        }
        var inShape = x.Shape;
        return Tensor.Record(y, "reshape", new[] { x }, g => new[] { Reshape(g, inShape) });
    }

    /// <summary>Strides that show a strided layout under a new shape without copying, or null when
    /// impossible (groups of old axes that merge must be laid out contiguously relative to each other).</summary>
    internal static int[]? ViewStrides(int[] oldShape, int[] oldStrides, int[] newShape)
    {
        if (ShapeUtil.Numel(newShape) == 0) return ShapeUtil.ContiguousStrides(newShape);
        var od = new List<int>(); var os = new List<int>();
        for (int i = 0; i < oldShape.Length; i++) if (oldShape[i] != 1) { od.Add(oldShape[i]); os.Add(oldStrides[i]); }
        var ns = new int[newShape.Length];
        int oi = 0, oj = 1, ni = 0, nj = 1;
        while (ni < newShape.Length && oi < od.Count)
        {
            long np = newShape[ni], op = od[oi];
            while (np != op)
            {
                if (np < op) { if (nj >= newShape.Length) return null; np *= newShape[nj++]; }
                else { if (oj >= od.Count) return null; op *= od[oj++]; }
            }
            for (int k = oi; k < oj - 1; k++) if (os[k] != od[k + 1] * os[k + 1]) return null;
            ns[nj - 1] = os[oj - 1];
            for (int k = nj - 1; k > ni; k--) ns[k - 1] = ns[k] * newShape[k];
            ni = nj++; oi = oj++;
        }
        int last = ni >= 1 ? ns[ni - 1] : 1;
        for (int k = ni; k < newShape.Length; k++) ns[k] = last;
        return ns;
    }

    public static Tensor Flatten(Tensor x) => Reshape(x, x.Numel);

    public static Tensor Transpose(Tensor x, int d0, int d1)
    {
        int a = ShapeUtil.Axis(d0, x.Rank), b = ShapeUtil.Axis(d1, x.Rank);
        var shape = (int[])x.Shape.Clone(); var strides = (int[])x.Strides.Clone();
        (shape[a], shape[b]) = (shape[b], shape[a]);
        (strides[a], strides[b]) = (strides[b], strides[a]);
        var y = x.ViewOf(shape, strides, x.Offset);
        return Tensor.Record(y, "transpose", new[] { x }, g => new[] { Transpose(g, a, b) });
    }

    public static Tensor Permute(Tensor x, params int[] dims)
    {
        if (dims.Length != x.Rank) throw new ArgumentException($"permute needs {x.Rank} axes, got {dims.Length}.");
        var p = dims.Select(d => ShapeUtil.Axis(d, x.Rank)).ToArray();
        if (p.Distinct().Count() != p.Length) throw new ArgumentException($"permute axes [{ShapeUtil.Str(dims)}] repeat an axis.");
        var shape = p.Select(d => x.Shape[d]).ToArray();
        var strides = p.Select(d => x.Strides[d]).ToArray();
        var inv = new int[p.Length];
        for (int i = 0; i < p.Length; i++) inv[p[i]] = i;
        var y = x.ViewOf(shape, strides, x.Offset);
        return Tensor.Record(y, "permute", new[] { x }, g => new[] { Permute(g, inv) });
    }

    /// <summary>Elements start..start+length-1 along an axis, as a view.</summary>
    public static Tensor Narrow(Tensor x, int axis, int start, int length)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        if (start < 0) start += x.Shape[a];
        if (start < 0 || length < 0 || start + length > x.Shape[a])
            throw new ArgumentOutOfRangeException(nameof(start), $"narrow({start}, {length}) is out of range for axis {a} of size {x.Shape[a]}.");
        var shape = (int[])x.Shape.Clone(); shape[a] = length;
        var y = x.ViewOf(shape, (int[])x.Strides.Clone(), x.Offset + start * x.Strides[a]);
        var inShape = x.Shape; var dt = x.DType;
        return Tensor.Record(y, "narrow", new[] { x }, g =>
        {
            var gx = Tensor.Zeros(dt, inShape);
            using var view = Narrow(gx, a, start, length);
            CopyInto(view, g);
            return new[] { gx };
        });
    }

    /// <summary>Python-style slice x[..., start:end, ...] on one axis (negative indices count from the end).</summary>
    public static Tensor Slice(Tensor x, int axis, int start, int end)
    {
        int a = ShapeUtil.Axis(axis, x.Rank); int n = x.Shape[a];
        if (start < 0) start += n; if (end < 0) end += n;
        start = Math.Clamp(start, 0, n); end = Math.Clamp(end, start, n);
        return Narrow(x, a, start, end - start);
    }

    /// <summary>Index one position along an axis, dropping that axis (a view).</summary>
    public static Tensor Select(Tensor x, int axis, int index)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        int n = x.Shape[a];
        if (index < 0) index += n;
        if (index < 0 || index >= n) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is out of range for axis {a} of size {n}.");
        var shape = x.Shape.Where((_, i) => i != a).ToArray();
        var strides = x.Strides.Where((_, i) => i != a).ToArray();
        var y = x.ViewOf(shape, strides, x.Offset + index * x.Strides[a]);
        var inShape = x.Shape; var dt = x.DType;
        return Tensor.Record(y, "select", new[] { x }, g =>
        {
            var gx = Tensor.Zeros(dt, inShape);
            using var view = Select(gx, a, index);
            CopyInto(view, g);
            return new[] { gx };
        });
    }

    /// <summary>Broadcasts size-1 axes (and new leading axes) to <paramref name="shape"/> without copying; -1 keeps a size.</summary>
    public static Tensor Expand(Tensor x, params int[] shape)
    {
        if (shape.Length < x.Rank) throw new ArgumentException($"expand to [{ShapeUtil.Str(shape)}] has fewer axes than [{ShapeUtil.Str(x.Shape)}].");
        var target = (int[])shape.Clone();
        int off = target.Length - x.Rank;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1) target[i] = i >= off ? x.Shape[i - off] : throw new ArgumentException("-1 is only allowed for existing axes in expand.");
            if (i >= off && x.Shape[i - off] != 1 && x.Shape[i - off] != target[i])
                throw new ArgumentException($"cannot expand [{ShapeUtil.Str(x.Shape)}] to [{ShapeUtil.Str(shape)}]: axis {i - off} has size {x.Shape[i - off]}, not 1.");
        }
        var strides = ShapeUtil.BroadcastStrides(x.Shape, x.Strides, target);
        var y = x.ViewOf(target, strides, x.Offset);
        var inShape = x.Shape;
        return Tensor.Record(y, "expand", new[] { x }, g => new[] { SumTo(g, inShape) });
    }

    public static Tensor Unsqueeze(Tensor x, int axis)
    {
        int a = ShapeUtil.Axis(axis, x.Rank + 1);
        var shape = x.Shape.ToList(); shape.Insert(a, 1);
        var strides = x.Strides.ToList(); strides.Insert(a, a < x.Rank ? x.Strides[a] * x.Shape[a] : 1);
        var y = x.ViewOf(shape.ToArray(), strides.ToArray(), x.Offset);
        return Tensor.Record(y, "unsqueeze", new[] { x }, g => new[] { Squeeze(g, a) });
    }

    public static Tensor Squeeze(Tensor x, int axis)
    {
        int a = ShapeUtil.Axis(axis, x.Rank);
        if (x.Shape[a] != 1) throw new ArgumentException($"cannot squeeze axis {a} of size {x.Shape[a]}.");
        var shape = x.Shape.Where((_, i) => i != a).ToArray();
        var strides = x.Strides.Where((_, i) => i != a).ToArray();
        var y = x.ViewOf(shape, strides, x.Offset);
        return Tensor.Record(y, "squeeze", new[] { x }, g => new[] { Unsqueeze(g, a) });
    }
}

// Shared machinery for the elementwise float ops in Unary.cs and Activations.cs: an op is a kernel struct
// with a forward and a backward span function; Map/MapGrad do the dtype dispatch, make strided inputs
// contiguous, cut the work into cache-sized blocks and spread it over the cores. No graph recording here.
using System.Numerics;

namespace Interp.Tensors;

/// <summary>An elementwise op as two span kernels. Spans handed in hold at most <see cref="TensorOps.ElementwiseBlock"/> elements.</summary>
internal interface IElementwise
{
    /// <summary>y = f(x). <paramref name="y"/> may not alias <paramref name="x"/>.</summary>
    void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>dx = g · f'(x), given the forward's input x and output y (empty when the op passed null for it).</summary>
    void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>;
}

public static partial class TensorOps
{
    /// <summary>Largest span a kernel sees, so kernels can keep scratch on the stack (512 doubles = 4 KiB).</summary>
    internal const int ElementwiseBlock = 512;

    internal static void RequireFloat(Tensor x, string op)
    {
        if (!DTypeInfo.IsFloat(x.DType))
            throw new ArgumentException($"{op} needs a float tensor (F32 or F64) but got {x.DType} with shape [{ShapeUtil.Str(x.Shape)}]; convert it first with x.To(DType.F32).");
    }

    /// <summary>y = f(x) for any layout of x; y is a new contiguous tensor. <paramref name="cost"/> is the rough work per element (for Par.For).</summary>
    internal static Tensor Map<K>(Tensor x, string op, K kernel, int cost) where K : struct, IElementwise
    {
        RequireFloat(x, op);
        var y = Tensor.Empty(x.DType, x.Shape);
        using var xc = ContiguousNoGrad(x);
        if (x.DType == DType.F32) RunForward<float, K>(xc, y, kernel, cost);
        else RunForward<double, K>(xc, y, kernel, cost);
        return y;
    }

    private static void RunForward<T, K>(Tensor xc, Tensor y, K kernel, int cost)
        where T : unmanaged, IFloatingPointIeee754<T> where K : struct, IElementwise
    {
        var xd = xc.Data<T>(); int xo = xc.Offset;
        var yd = y.Data<T>();
        Par.For(y.Numel, cost, (s, e) =>
        {
            for (int b = s; b < e; b += ElementwiseBlock)
            {
                int len = Math.Min(ElementwiseBlock, e - b);
                kernel.Forward<T>(xd.AsSpan(xo + b, len), yd.AsSpan(b, len));
            }
        });
    }

    /// <summary>dx = g · f'(x) as a new contiguous tensor of g's shape; x and y (the forward's input and output) may be null when unused.</summary>
    internal static Tensor MapGrad<K>(Tensor g, Tensor? x, Tensor? y, K kernel, int cost) where K : struct, IElementwise
    {
        var dx = Tensor.Empty(g.DType, g.Shape);
        using var gc = ContiguousNoGrad(g);
        using var xc = x is null ? null : ContiguousNoGrad(x);
        using var yc = y is null ? null : ContiguousNoGrad(y);
        if (g.DType == DType.F32) RunBackward<float, K>(gc, xc, yc, dx, kernel, cost);
        else if (g.DType == DType.F64) RunBackward<double, K>(gc, xc, yc, dx, kernel, cost);
        else throw new InvalidOperationException($"gradient of dtype {g.DType} reached an elementwise float op.");
        return dx;
    }

    private static void RunBackward<T, K>(Tensor gc, Tensor? xc, Tensor? yc, Tensor dx, K kernel, int cost)
        where T : unmanaged, IFloatingPointIeee754<T> where K : struct, IElementwise
    {
        var gd = gc.Data<T>(); int go = gc.Offset;
        var xd = xc?.Data<T>(); int xo = xc?.Offset ?? 0;
        var yd = yc?.Data<T>(); int yo = yc?.Offset ?? 0;
        var dd = dx.Data<T>();
        Par.For(dx.Numel, cost, (s, e) =>
        {
            for (int b = s; b < e; b += ElementwiseBlock)
            {
                int len = Math.Min(ElementwiseBlock, e - b);
                kernel.Backward<T>(gd.AsSpan(go + b, len),
                    xd is null ? default : xd.AsSpan(xo + b, len),
                    yd is null ? default : yd.AsSpan(yo + b, len),
                    dd.AsSpan(b, len));
            }
        });
    }

    /// <summary>Records a one-input elementwise op whose backward is the kernel's Backward (saving x and/or y as asked).</summary>
    private static Tensor Elementwise<K>(Tensor x, string op, K kernel, int cost, bool needsX, bool needsY) where K : struct, IElementwise
    {
        var y = Map(x, op, kernel, cost);
        return Tensor.Record(y, op, new[] { x },
            g => new[] { MapGrad(g, needsX ? x : null, needsY ? y : null, kernel, cost) },
            needsY ? new[] { y } : Array.Empty<Tensor>());
    }
}

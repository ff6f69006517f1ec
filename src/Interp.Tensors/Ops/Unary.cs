// Elementwise math on float tensors: Exp, Log, Sqrt, Rsqrt, Pow, Square, Abs, Clamp, each with its
// backward beside it. Kernels run on TensorPrimitives / Vector<T>; activations live in Activations.cs.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>e^x. Backward: g·y.</summary>
    public static Tensor Exp(Tensor x) => Elementwise(x, "Exp", default(ExpK), 4, needsX: false, needsY: true);

    private readonly struct ExpK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
            => TensorPrimitives.Multiply(g, y, dx);
    }

    /// <summary>Natural log (NaN below 0, -inf at 0). Backward: g / x.</summary>
    public static Tensor Log(Tensor x) => Elementwise(x, "Log", default(LogK), 4, needsX: true, needsY: false);

    private readonly struct LogK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
            => TensorPrimitives.Divide(g, x, dx);
    }

    /// <summary>√x. Backward: g / (2y).</summary>
    public static Tensor Sqrt(Tensor x) => Elementwise(x, "Sqrt", default(SqrtK), 2, needsX: false, needsY: true);

    private readonly struct SqrtK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Divide(g, y, dx);
            TensorPrimitives.Multiply(dx, T.CreateTruncating(0.5), dx);
        }
    }

    /// <summary>1/√x (exact, not the hardware estimate). Backward: -g·y³/2.</summary>
    public static Tensor Rsqrt(Tensor x) => Elementwise(x, "Rsqrt", default(RsqrtK), 2, needsX: false, needsY: true);

    private readonly struct RsqrtK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.ReciprocalSqrt(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Multiply(y, y, dx);
            TensorPrimitives.Multiply(dx, y, dx);
            TensorPrimitives.Multiply(dx, g, dx);
            TensorPrimitives.Multiply(dx, T.CreateTruncating(-0.5), dx);
        }
    }

    /// <summary>x². Backward: 2·x·g.</summary>
    public static Tensor Square(Tensor x) => Elementwise(x, "Square", default(SquareK), 1, needsX: true, needsY: false);

    private readonly struct SquareK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Multiply(g, x, dx);
            TensorPrimitives.Add(dx, dx, dx);
        }
    }

    /// <summary>x^p for a constant exponent (NaN for negative x with fractional p, as in IEEE pow; x^0 = 1).
    /// Backward: p·x^(p-1)·g, and exactly 0 when p = 0.</summary>
    public static Tensor Pow(Tensor x, double p)
    {
        if (double.IsNaN(p)) throw new ArgumentException("Pow: the exponent is NaN; pass a real number.", nameof(p));
        return Elementwise(x, "Pow", new PowK(p), 8, needsX: true, needsY: false);
    }

    private readonly struct PowK(double p) : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (p == 0) y.Fill(T.One);
            else if (p == 1) x.CopyTo(y);
            else if (p == 2) TensorPrimitives.Multiply(x, x, y);
            else if (p == 0.5) TensorPrimitives.Sqrt(x, y);
            else if (p == -1) TensorPrimitives.Reciprocal(x, y);
            else TensorPrimitives.Pow(x, T.CreateTruncating(p), y);
        }

        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (p == 0) { dx.Clear(); return; }
            if (p == 1) { g.CopyTo(dx); return; }
            if (p == 2) TensorPrimitives.Multiply(x, T.CreateTruncating(2.0), dx);
            else
            {
                TensorPrimitives.Pow(x, T.CreateTruncating(p - 1), dx);
                TensorPrimitives.Multiply(dx, T.CreateTruncating(p), dx);
            }
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }

    /// <summary>|x|. Backward: g·sign(x), with 0 at x = 0.</summary>
    public static Tensor Abs(Tensor x) => Elementwise(x, "Abs", default(AbsK), 1, needsX: true, needsY: false);

    private readonly struct AbsK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int w = Vector<T>.Count;
                for (; i <= x.Length - w; i += w)
                {
                    var xv = new Vector<T>(x[i..]); var gv = new Vector<T>(g[i..]);
                    var r = Vector.ConditionalSelect(Vector.GreaterThan(xv, Vector<T>.Zero), gv,
                            Vector.ConditionalSelect(Vector.LessThan(xv, Vector<T>.Zero), -gv, Vector<T>.Zero));
                    r.CopyTo(dx[i..]);
                }
            }
            for (; i < x.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : x[i] < T.Zero ? -g[i] : T.Zero;
        }
    }

    /// <summary>min(max(x, min), max). Use ±infinity for a one-sided clamp. Backward: g where min ≤ x ≤ max, else 0.</summary>
    public static Tensor Clamp(Tensor x, double min, double max)
    {
        if (double.IsNaN(min) || double.IsNaN(max) || min > max)
            throw new ArgumentException($"Clamp needs min <= max (and neither NaN); got min {min}, max {max}. Use double.NegativeInfinity / PositiveInfinity for a one-sided clamp.");
        return Elementwise(x, "Clamp", new ClampK(min, max), 1, needsX: true, needsY: false);
    }

    private readonly struct ClampK(double lo, double hi) : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
            => TensorPrimitives.Clamp(x, T.CreateTruncating(lo), T.CreateTruncating(hi), y);

        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T l = T.CreateTruncating(lo), h = T.CreateTruncating(hi);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int w = Vector<T>.Count;
                var lv = new Vector<T>(l); var hv = new Vector<T>(h);
                for (; i <= x.Length - w; i += w)
                {
                    var xv = new Vector<T>(x[i..]);
                    var inside = Vector.BitwiseAnd(Vector.GreaterThanOrEqual(xv, lv), Vector.LessThanOrEqual(xv, hv));
                    Vector.ConditionalSelect(inside, new Vector<T>(g[i..]), Vector<T>.Zero).CopyTo(dx[i..]);
                }
            }
            for (; i < x.Length; i++) dx[i] = x[i] >= l && x[i] <= h ? g[i] : T.Zero;
        }
    }
}

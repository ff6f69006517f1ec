// Activation functions on float tensors: Tanh, Sigmoid, Relu, Silu, Gelu (exact erf form), GeluNew (GPT-2's
// tanh approximation) and Erf, each forward beside its backward. Plain math ops live in Unary.cs.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>tanh(x). Backward: g·(1 - y²).</summary>
    public static Tensor Tanh(Tensor x) => Elementwise(x, "Tanh", default(TanhK), 6, needsX: false, needsY: true);

    private readonly struct TanhK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tanh(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Multiply(y, y, dx);
            TensorPrimitives.Subtract(T.One, dx, dx);
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }

    /// <summary>1 / (1 + e^-x). Backward: g·y·(1 - y).</summary>
    public static Tensor Sigmoid(Tensor x) => Elementwise(x, "Sigmoid", default(SigmoidK), 6, needsX: false, needsY: true);

    private readonly struct SigmoidK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Subtract(T.One, y, dx);
            TensorPrimitives.Multiply(dx, y, dx);
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }

    /// <summary>max(x, 0) (NaN stays NaN). Backward: g where x > 0, else 0 (so 0 at x = 0).</summary>
    public static Tensor Relu(Tensor x) => Elementwise(x, "Relu", default(ReluK), 1, needsX: true, needsY: false);

    private readonly struct ReluK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, y);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int w = Vector<T>.Count;
                for (; i <= x.Length - w; i += w)
                    Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(x[i..]), Vector<T>.Zero), new Vector<T>(g[i..]), Vector<T>.Zero).CopyTo(dx[i..]);
            }
            for (; i < x.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : T.Zero;
        }
    }

    /// <summary>SiLU / swish: x·sigmoid(x). Backward: g·s·(1 + x·(1 - s)), s = sigmoid(x), with 1 - s taken as sigmoid(-x).</summary>
    public static Tensor Silu(Tensor x) => Elementwise(x, "Silu", default(SiluK), 8, needsX: true, needsY: false);

    private readonly struct SiluK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Sigmoid(x, y);
            TensorPrimitives.Multiply(y, x, y);
        }

        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<T> s = stackalloc T[x.Length];
            TensorPrimitives.Sigmoid(x, s);
            TensorPrimitives.Negate(x, dx);
            TensorPrimitives.Sigmoid(dx, dx);                        // 1 - s = sigmoid(-x), exact where s is near 1
            TensorPrimitives.FusedMultiplyAdd(dx, x, T.One, dx);     // 1 + x·(1 - s)
            TensorPrimitives.Multiply(dx, s, dx);
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }

    /// <summary>Exact GELU: 0.5·x·(1 + erf(x/√2)) = x·Φ(x), computed as 0.5·x·erfc(-x/√2) so the far
    /// negative tail keeps its relative precision. Backward: g·(Φ(x) + x·φ(x)), φ the standard normal density.</summary>
    public static Tensor Gelu(Tensor x) => Elementwise(x, "Gelu", default(GeluK), 40, needsX: true, needsY: false);

    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    private readonly struct GeluK : IElementwise
    {
        /// <summary>cdf = Φ(x) = 0.5·erfc(-x/√2).</summary>
        private static void NormalCdf<T>(ReadOnlySpan<T> x, Span<T> cdf) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Multiply(x, T.CreateTruncating(-InvSqrt2), cdf);
            SpecialFunctions.Core<T>(cdf, cdf, complement: true);
            TensorPrimitives.Multiply(cdf, T.CreateTruncating(0.5), cdf);
        }

        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            NormalCdf(x, y);
            TensorPrimitives.Multiply(y, x, y);
        }

        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<T> pdf = stackalloc T[x.Length];
            TensorPrimitives.Multiply(x, x, pdf);
            TensorPrimitives.Multiply(pdf, T.CreateTruncating(-0.5), pdf);
            TensorPrimitives.Exp(pdf, pdf);
            TensorPrimitives.Multiply(pdf, T.CreateTruncating(InvSqrt2Pi), pdf);   // φ(x)
            NormalCdf(x, dx);
            TensorPrimitives.FusedMultiplyAdd(x, pdf, dx, dx);                      // Φ + x·φ
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }

    /// <summary>GPT-2's gelu_new (PyTorch's gelu(approximate='tanh')): 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³).
    /// Computed as x·sigmoid(2u), equal in exact arithmetic (0.5·(1 + tanh u) = sigmoid(2u)) but without the cancellation
    /// in 1 + tanh(u) that costs float32 all relative precision for x below about -4.
    /// Backward: g·s·(1 + (1 - s)·2·√(2/π)·x·(1 + 3·0.044715·x²)), s = sigmoid(2u).</summary>
    public static Tensor GeluNew(Tensor x) => Elementwise(x, "GeluNew", default(GeluNewK), 8, needsX: true, needsY: false);

    private const double SqrtTwoOverPi = 0.79788456080286535588;
    private const double GeluCubic = 0.044715;

    private readonly struct GeluNewK : IElementwise
    {
        /// <summary>v = 2u = 2·√(2/π)·x·(1 + 0.044715·x²).</summary>
        private static void TwoU<T>(ReadOnlySpan<T> x, Span<T> v) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Multiply(x, x, v);
            TensorPrimitives.Multiply(v, T.CreateTruncating(GeluCubic), v);
            TensorPrimitives.Add(v, T.One, v);
            TensorPrimitives.Multiply(v, x, v);
            TensorPrimitives.Multiply(v, T.CreateTruncating(2 * SqrtTwoOverPi), v);
        }

        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TwoU(x, y);
            TensorPrimitives.Sigmoid(y, y);
            TensorPrimitives.Multiply(y, x, y);
        }

        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            Span<T> s = stackalloc T[x.Length];
            Span<T> sNeg = stackalloc T[x.Length];
            TwoU(x, s);
            TensorPrimitives.Negate(s, sNeg);
            TensorPrimitives.Sigmoid(s, s);
            TensorPrimitives.Sigmoid(sNeg, sNeg);   // 1 - s without the cancellation when s is near 1
            // w = x · d(2u)/dx = 2·√(2/π)·x·(1 + 3·0.044715·x²)
            TensorPrimitives.Multiply(x, x, dx);
            TensorPrimitives.Multiply(dx, T.CreateTruncating(3 * GeluCubic), dx);
            TensorPrimitives.Add(dx, T.One, dx);
            TensorPrimitives.Multiply(dx, x, dx);
            TensorPrimitives.Multiply(dx, T.CreateTruncating(2 * SqrtTwoOverPi), dx);
            // dx = s·(1 + (1 - s)·w)
            TensorPrimitives.FusedMultiplyAdd(sNeg, dx, T.One, dx);
            TensorPrimitives.Multiply(dx, s, dx);
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }

    /// <summary>The error function elementwise (see <see cref="SpecialFunctions"/> for its accuracy). Backward: g·(2/√π)·e^(-x²).</summary>
    public static Tensor Erf(Tensor x) => Elementwise(x, "Erf", default(ErfK), 40, needsX: true, needsY: false);

    private readonly struct ErfK : IElementwise
    {
        public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => SpecialFunctions.Core(x, y, complement: false);
        public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            TensorPrimitives.Multiply(x, x, dx);
            TensorPrimitives.Negate(dx, dx);
            TensorPrimitives.Exp(dx, dx);
            TensorPrimitives.Multiply(dx, T.CreateTruncating(1.1283791670955126), dx);
            TensorPrimitives.Multiply(dx, g, dx);
        }
    }
}

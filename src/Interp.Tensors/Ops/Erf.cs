// The error function, which .NET lacks (no Math.Erf): erf and erfc in double precision, vectorised over
// Vector<double>, used by exact GELU. Built from two textbook expansions, not a fitted approximation.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Interp.Tensors;

/// <summary>erf and erfc. With a = |z|:
///   a &lt;= split : erf(a)  = (2/√π)·e^(-a²)·Σ_{n≥0} (2a²)^n·a / (1·3·5···(2n+1))   (positive terms, compensated sum);
///   a &gt;  split : erfc(a) = (e^(-a²)/√π) / (a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...)))))   (Laplace continued fraction).
/// The split is 1.5 in double (below it erfc = 1 - erf loses at most ~1.5 digits) and 2.5 for float results, which are
/// computed in double and can afford 1 - erf losing 3.4 digits; the fraction's depth shrinks as a grows.
/// Accuracy (double, measured against 50-digit references): erf ≤ 4e-16 relative; erfc ≤ 5e-16 relative except on
/// 0 &lt; z &lt;= 1.5, where it is 1 - erf and reaches ~5e-15.</summary>
public static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.56418958354775628;
    private const int MaxSeriesTerms = 50;        // a <= 1.5 converges to 1e-17 within ~28 terms, a <= 2.5 to 1e-10 within ~30
    private const int Block = 256;                // a multiple of every Vector<double>.Count

    public static double Erf(double x) { Span<double> v = [x]; Core<double>(v, v, complement: false); return v[0]; }

    public static double Erfc(double x) { Span<double> v = [x]; Core<double>(v, v, complement: true); return v[0]; }

    /// <summary>dst[i] = erf(x[i]); dst may be x itself.</summary>
    public static void Erf(ReadOnlySpan<double> x, Span<double> dst) => Core(x, dst, complement: false);

    /// <summary>dst[i] = erfc(x[i]) = 1 - erf(x[i]) without cancellation for large x; dst may be x itself.</summary>
    public static void Erfc(ReadOnlySpan<double> x, Span<double> dst) => Core(x, dst, complement: true);

    /// <summary>erf / erfc over float or double spans (float is computed in double with fewer terms, then rounded).</summary>
    internal static void Core<T>(ReadOnlySpan<T> z, Span<T> dst, bool complement) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dst.Length < z.Length) throw new ArgumentException($"destination holds {dst.Length} elements but the input has {z.Length}.");
        bool single = typeof(T) == typeof(float);

        Span<double> zb = stackalloc double[Block];
        Span<double> e = stackalloc double[Block];
        Span<double> lo = stackalloc double[Block];
        Span<double> zc = stackalloc double[Block];
        int w = Vector<double>.Count;
        for (int s = 0; s < z.Length; s += Block)
        {
            int len = Math.Min(Block, z.Length - s);
            int padded = (len + w - 1) / w * w;
            if (single) TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<T, float>(z.Slice(s, len)), zb[..len]);
            else MemoryMarshal.Cast<T, double>(z.Slice(s, len)).CopyTo(zb);
            zb[len..padded].Clear();

            // e = exp(-z²), with z² split exactly into hi + lo so the argument carries no rounding error:
            // exp(-hi-lo) = exp(-hi)·(1 - lo) to first order (|lo| <= ulp(hi)). z is clamped to ±30 first
            // (e^-900 underflows to 0 anyway) so infinities and huge values give 0, not inf - inf = NaN.
            var zp = zc[..padded]; var ep = e[..padded]; var lp = lo[..padded];
            TensorPrimitives.Clamp(zb[..padded], -30.0, 30.0, zp);
            TensorPrimitives.Multiply(zp, zp, ep);
            TensorPrimitives.Negate(ep, lp);
            TensorPrimitives.FusedMultiplyAdd(zp, zp, lp, lp);   // lo = z·z - hi, exactly
            TensorPrimitives.Negate(ep, ep);
            TensorPrimitives.Exp(ep, ep);
            TensorPrimitives.Negate(lp, lp);                     // -lo, for the FMA below
            TensorPrimitives.FusedMultiplyAdd(lp, ep, ep, ep);   // e·(1 - lo), as e - lo·e

            for (int i = 0; i < padded; i += w)
                Lanes(new Vector<double>(zb[i..]), new Vector<double>(e[i..]), complement, single).CopyTo(e[i..]);

            if (single) TensorPrimitives.ConvertTruncating(e[..len], MemoryMarshal.Cast<T, float>(dst.Slice(s, len)));
            else e[..len].CopyTo(MemoryMarshal.Cast<T, double>(dst.Slice(s, len)));
        }
    }

    /// <summary>Continued-fraction depth that brings erfc(a) to ~2e-16 relative (double) or ~2e-11 (float) for all a >= minA
    /// (checked against 50-digit references; NaN takes the deepest).</summary>
    private static int FractionDepth(double minA, bool single) => single
        ? (minA >= 4 ? 12 : minA >= 3 ? 15 : 20)
        : (minA >= 4 ? 20 : minA >= 3 ? 30 : minA >= 2.5 ? 40 : minA >= 2 ? 55 : minA >= 1.75 ? 70 : 90);

    /// <summary>erf(z) or erfc(z) for one vector of lanes, given ez = exp(-z²).</summary>
    private static Vector<double> Lanes(Vector<double> z, Vector<double> ez, bool complement, bool single)
    {
        double splitAt = single ? 2.5 : 1.5;
        var a = Vector.Abs(z);
        var split = new Vector<double>(splitAt);
        var small = Vector.LessThanOrEqual(a, split);           // NaN lanes are "not small"; fixed up at the end
        var one = Vector<double>.One;

        // Series on the small lanes (others run it at 0, which converges at once). The sum is compensated
        // (TwoSum): plain summation of ~25 terms costs up to ~7 ulp, compensated ~2.
        var x = Vector.ConditionalSelect(small, a, Vector<double>.Zero);
        var x2 = x * x * new Vector<double>(2.0);
        var t = x; var sum = x; var comp = Vector<double>.Zero;
        var tolV = new Vector<double>(single ? 1e-10 : 1e-17);
        for (int n = 1; n <= MaxSeriesTerms; n++)
        {
            t = t * x2 / new Vector<double>(2 * n + 1);
            var s2 = sum + t;
            var bp = s2 - sum;
            comp += (sum - (s2 - bp)) + (t - bp);
            sum = s2;
            if (Vector.LessThanOrEqualAll(t, sum * tolV)) break;
        }
        sum += comp;
        var erfSmall = new Vector<double>(TwoOverSqrtPi) * ez * sum;

        Vector<double> erfA, erfcA, erfcNeg;   // erf(a), erfc(a), erfc(-a) = 1 + erf(a)
        if (Vector.LessThanOrEqualAll(a, split))
        {
            erfA = erfSmall;
            erfcA = one - erfSmall;
            erfcNeg = one + erfSmall;
        }
        else
        {
            // Continued fraction on the large lanes, evaluated from the tail (others run it at the split point).
            var y = Vector.ConditionalSelect(small, split, a);
            double minY = double.PositiveInfinity;
            for (int l = 0; l < Vector<double>.Count; l++) minY = Math.Min(minY, y[l]);
            var f = y;
            for (int k = FractionDepth(minY, single); k >= 1; k--) f = y + new Vector<double>(0.5 * k) / f;
            var erfcLarge = new Vector<double>(OneOverSqrtPi) * ez / f;
            erfA = Vector.ConditionalSelect(small, erfSmall, one - erfcLarge);
            erfcA = Vector.ConditionalSelect(small, one - erfSmall, erfcLarge);
            erfcNeg = Vector.ConditionalSelect(small, one + erfSmall, new Vector<double>(2.0) - erfcLarge);
        }

        var neg = Vector.LessThan(z, Vector<double>.Zero);
        var r = complement
            ? Vector.ConditionalSelect(neg, erfcNeg, erfcA)
            : Vector.ConditionalSelect(neg, -erfA, erfA);
        return Vector.ConditionalSelect(Vector.Equals(z, z), r, z);  // NaN in, NaN out
    }
}

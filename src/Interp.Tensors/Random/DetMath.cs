// Natural log built only from IEEE +, -, *, / (all correctly rounded), so it returns the same bits on
// every platform, unlike Math.Log, which defers to the C runtime. Accurate to a few ulp; used by Rng.
namespace Interp.Tensors;

internal static class DetMath
{
    // ln 2 split so that e * Ln2Hi is exact for any binary exponent e (Ln2Hi has 32 trailing zero bits).
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>ln(x) for x > 0 (subnormals included); NaN for x &lt; 0 or NaN, -inf for 0, +inf for +inf.</summary>
    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0) return double.NaN;
        if (x == 0) return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x)) return x;

        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF);
        if (e == 0)
        {
            // Subnormal: scale into the normal range (exact) and compensate in the exponent.
            bits = BitConverter.DoubleToInt64Bits(x * 18014398509481984.0); // 2^54
            e = (int)((bits >> 52) & 0x7FF) - 54;
        }
        e -= 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L); // [1, 2)
        if (m > Sqrt2) { m *= 0.5; e++; }                                                                    // (0.707, 1.414]

        // ln m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: the odd series converges fast (s^2 <= 0.0295).
        double f = m - 1;                 // exact (Sterbenz)
        double s = f / (2 + f);
        double s2 = s * s;
        double p = 1.0 / 25;
        p = 1.0 / 23 + s2 * p; p = 1.0 / 21 + s2 * p; p = 1.0 / 19 + s2 * p; p = 1.0 / 17 + s2 * p;
        p = 1.0 / 15 + s2 * p; p = 1.0 / 13 + s2 * p; p = 1.0 / 11 + s2 * p; p = 1.0 / 9 + s2 * p;
        p = 1.0 / 7 + s2 * p; p = 1.0 / 5 + s2 * p; p = 1.0 / 3 + s2 * p;
        double lnm = 2 * s + 2 * s * (s2 * p);
        return e * Ln2Hi + (e * Ln2Lo + lnm);
    }
}

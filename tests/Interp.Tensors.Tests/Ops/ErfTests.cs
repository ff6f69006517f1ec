using Interp.Tensors;

namespace Interp.Tensors.Tests.Ops;

public class ErfTests
{
    /// <summary>erf against 80-digit references: the brief asks for ~1e-15 relative.</summary>
    private const double ErfRtol = 1e-15;
    /// <summary>erfc on 0 &lt; x &lt;= 1.5 is formed as 1 - erf(x): erf's few-ulp error (~3e-16 absolute) over erfc(1.5) ≈ 0.034 is ~1e-14.</summary>
    private const double ErfcRtolNearSplit = 1e-14;

    // References computed with 80-digit decimal arithmetic (series / deep continued fraction), rounded to double.
    public static TheoryData<double, double> ErfValues => new()
    {
        { 0.0, 0.0 }, { 1e-10, 1.1283791670955126e-10 }, { 0.001, 0.0011283787909692365 }, { 0.1, 0.1124629160182849 },
        { 0.3, 0.3286267594591274 }, { 0.5, 0.5204998778130465 }, { 0.75, 0.7111556336535151 }, { 1.0, 0.8427007929497149 },
        { 1.25, 0.9229001282564583 }, { 1.5, 0.9661051464753108 }, { 2.0, 0.9953222650189527 }, { 2.4999, 0.9995928300996666 },
        { 2.5, 0.999593047982555 }, { 2.5001, 0.9995932657565293 }, { 3.0, 0.9999779095030014 }, { 3.7, 0.9999998328489421 },
        { 4.5, 0.9999999998033839 }, { 5.5, 0.9999999999999927 }, { -0.2, -0.22270258921047847 }, { -1.0, -0.8427007929497149 },
        { -2.6, -0.9997639655834707 }, { -3.0, -0.9999779095030014 }, { -5.9, -0.9999999999999999 }, { 30.0, 1.0 }, { -1e300, -1.0 },
    };

    [Theory]
    [MemberData(nameof(ErfValues))]
    public void Erf_KnownValues_WithinOneEMinus15Relative(double x, double expected)
    {
        double y = SpecialFunctions.Erf(x);
        Assert.True(Math.Abs(y - expected) <= ErfRtol * Math.Abs(expected), $"erf({x}) = {y:R}, expected {expected:R}");
    }

    [Theory]
    [InlineData(0.5, 0.4795001221869535, ErfcRtolNearSplit)]
    [InlineData(1.5, 0.033894853524689274, ErfcRtolNearSplit)]
    [InlineData(1.6, 0.023651616655355985, 2e-15)]
    [InlineData(1.0, 0.15729920705028513, ErfcRtolNearSplit)]
    [InlineData(2.0, 0.004677734981047266, 2e-15)]
    [InlineData(2.6, 0.00023603441652934908, 2e-15)]
    [InlineData(3.0, 2.209049699858544e-05, 2e-15)]
    [InlineData(5.0, 1.537459794428035e-12, 2e-15)]
    [InlineData(10.0, 2.088487583762545e-45, 4e-15)]
    [InlineData(26.0, 5.663192408856143e-296, 2e-14)]   // e^-676: argument error grows with x², still ~1e-14
    [InlineData(-1.0, 1.8427007929497148, 2e-15)]
    [InlineData(-3.0, 1.9999779095030015, 2e-15)]
    public void Erfc_KnownValues_KeepRelativePrecisionInTheTail(double x, double expected, double rtol)
    {
        double y = SpecialFunctions.Erfc(x);
        Assert.True(Math.Abs(y - expected) <= rtol * Math.Abs(expected), $"erfc({x}) = {y:R}, expected {expected:R}");
    }

    [Fact]
    public void Erf_SpecialInputs_FollowIeee()
    {
        Assert.True(double.IsNaN(SpecialFunctions.Erf(double.NaN)));
        Assert.True(double.IsNaN(SpecialFunctions.Erfc(double.NaN)));
        Assert.Equal(1.0, SpecialFunctions.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, SpecialFunctions.Erf(double.NegativeInfinity));
        Assert.Equal(0.0, SpecialFunctions.Erfc(double.PositiveInfinity));
        Assert.Equal(2.0, SpecialFunctions.Erfc(double.NegativeInfinity));
    }

    [Fact]
    public void Erf_SpanOfEveryLength_MatchesScalarAndIsOdd()
    {
        // Lengths 1..300 cover vector tails and the 256-element internal block boundary; NaN mixed into a vector stays local.
        var rng = new Random(5);
        for (int n = 1; n <= 300; n += n < 20 ? 1 : 37)
        {
            var x = Enumerable.Range(0, n).Select(_ => -7 + 14 * rng.NextDouble()).ToArray();
            if (n > 3) x[n / 2] = double.NaN;
            var y = new double[n]; var yc = new double[n]; var yn = new double[n];
            SpecialFunctions.Erf(x, y);
            SpecialFunctions.Erfc(x, yc);
            SpecialFunctions.Erf(x.Select(v => -v).ToArray(), yn);
            for (int i = 0; i < n; i++)
            {
                if (double.IsNaN(x[i])) { Assert.True(double.IsNaN(y[i])); continue; }
                double one = SpecialFunctions.Erf(x[i]);   // lanes share term counts and fraction depth, so allow ~2 ulp
                Assert.True(Math.Abs(one - y[i]) <= 4.5e-16 * Math.Abs(one), $"span erf({x[i]}) = {y[i]:R}, scalar {one:R}");
                Assert.Equal(-y[i], yn[i]);
                // A few ulp of erf plus one of erfc (up to 2, ulp 2.2e-16) and the rounding of the sum.
                Assert.True(Math.Abs(y[i] + yc[i] - 1) <= 1e-15, $"erf + erfc at {x[i]} = {y[i] + yc[i]:R}");
            }
        }
    }

    [Fact]
    public void Erf_InPlaceSpan_IsAllowed()
    {
        var v = new[] { 0.5, 1.0, 2.0, -3.0 };
        SpecialFunctions.Erf(v, v);
        Assert.Equal(SpecialFunctions.Erf(1.0), v[1]);
        Assert.True(Math.Abs(v[3] + 0.9999779095030014) <= ErfRtol);
    }

    [Fact]
    public void Erf_ShortDestination_Throws()
        => Assert.Throws<ArgumentException>(() => SpecialFunctions.Erf(new double[4], new double[3]));
}

// Small numeric assertion helpers for model tests.
namespace Interp.Models.Tests;

public static class GradCheckFree
{
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (!(d <= atol)) Assert.Fail($"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (|diff| {d:E2} > {atol:E2})");
        }
    }
}

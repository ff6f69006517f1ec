// Finalize's value order (descending, ties by index): the radix sort equals the comparison sort beside it, on values with
// many ties, negative values, denormals and both zeros' neighbours, at lengths around the switch between the two.
using Interp.Dictionaries.Cache;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class ValueOrderTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(255, 2)]
    [InlineData(256, 3)]
    [InlineData(5000, 4)]
    [InlineData(70_000, 5)]
    public void Sort_EqualsTheComparisonSort(int n, ulong seed)
    {
        var rng = new Rng(seed);
        float[] pool = { 1f, -1f, 0.5f, 3.25f, float.Epsilon, -float.Epsilon, 1e-30f, float.MaxValue, -float.MaxValue, 7f };
        var vals = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? pool[rng.NextInt(pool.Length)] : (float)(rng.NextNormal() * 10)).ToArray();
        var want = new int[n];
        ValueOrder.Reference(vals, want);
        var got = new int[n];
        ValueOrder.Sort(vals, got, new int[3 * n]);
        Assert.Equal(want, got);
        for (int i = 1; i < n; i++)
            Assert.True(vals[got[i - 1]] > vals[got[i]] || (vals[got[i - 1]] == vals[got[i]] && got[i - 1] < got[i]), $"order broken at {i}");
    }

    [Fact]
    public void Sort_AllEqual_KeepsIndexOrder()
    {
        var vals = Enumerable.Repeat(2.5f, 1000).ToArray();
        var got = new int[1000];
        ValueOrder.Sort(vals, got, new int[3000]);
        Assert.Equal(Enumerable.Range(0, 1000), got);
    }
}

using System.Security.Cryptography;

namespace Interp.Index.Tests;

public class FeaturePointIdTests
{
    [Fact]
    public void V5_RfcNamespaceDns_KnownAnswer()
    {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") in Python's documentation.
        Assert.Equal(Guid.Parse("886313e1-3b8a-5372-9b90-0c9aee199e5d"), FeaturePointId.V5(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"));
    }

    [Fact]
    public void For_SameKey_SameIdAndDistinctKeysDistinct()
    {
        Assert.Equal(FeaturePointId.For("abc", 3), FeaturePointId.For("abc", 3));
        var ids = Enumerable.Range(0, 5000).Select(i => FeaturePointId.For(i % 2 == 0 ? "abc" : "abd", i / 2)).ToHashSet();
        Assert.Equal(5000, ids.Count);
        Assert.Equal('5', FeaturePointId.Text(FeaturePointId.For("abc", 3))[14]);   // version 5
    }
}

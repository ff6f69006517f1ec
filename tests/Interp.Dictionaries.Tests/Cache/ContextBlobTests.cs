// The per-context row format: encode then decode gives back every token and non-zero activation exactly (float32 bits),
// for 2-, 3- and 4-byte feature ids and position counts that need several varint bytes; its size is what the layout
// says; and each kind of damage is refused with a message naming the context. CRC-32C against its published check value.
using System.Buffers.Binary;
using Interp.Dictionaries.Cache;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class ContextBlobTests
{
    /// <summary>A context of <paramref name="t"/> positions over <paramref name="dSae"/> features, each position firing on
    /// a seeded random subset (<paramref name="perPos"/> features), values of both signs and awkward magnitudes.</summary>
    private static (int[] tokens, float[] acts) Random(int t, int dSae, int perPos, ulong seed)
    {
        var rng = new Rng(seed);
        var tokens = Enumerable.Range(0, t).Select(_ => rng.NextInt(50_000)).ToArray();
        var acts = new float[t * dSae];
        for (int p = 0; p < t; p++)
            for (int k = 0; k < perPos; k++)
            {
                int f = (int)rng.NextInt64(0, dSae);
                acts[p * dSae + f] = (float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.NextInt(7) - 3));
            }
        return (tokens, acts);
    }

    [Theory]
    [InlineData(8, 24, 5, 2)]              // the tests' SAE
    [InlineData(16, 70_000, 40, 3)]        // beyond 2^16 features: 3-byte ids
    [InlineData(1, (1 << 24) + 5, 10, 4)]  // beyond 2^24: 4-byte ids
    [InlineData(3, 1_000, 400, 2)]         // 300+ activations at a position: 2-byte varint counts
    public void EncodeThenParse_GivesBackEveryActivationExactly(int t, int dSae, int perPos, int idBytes)
    {
        var layout = new ContextLayout(t, dSae, 50_000);
        Assert.Equal(idBytes, layout.IdBytes);
        var (tokens, acts) = Random(t, dSae, perPos, (ulong)dSae);
        var blob = new ContextBlobWriter(layout).Encode(7, tokens, acts);

        var expected = new List<(int, int, float)>();
        for (int p = 0; p < t; p++)
            for (int f = 0; f < dSae; f++)
                if (acts[p * dSae + f] != 0) expected.Add((p, f, acts[p * dSae + f]));
        var parsed = ContextBlob.Parse(blob, layout, 7, "x.db");
        Assert.Equal(expected.Count, parsed.Count);
        var got = new List<(int, int, float)>();
        foreach (var e in parsed) got.Add(e);
        Assert.Equal(expected, got);                                     // float equality: the bits are stored as they are
        var back = new int[t];
        parsed.CopyTokens(back);
        Assert.Equal(tokens, back);
        int countBytes = Enumerable.Range(0, t).Sum(p => expected.Count(e => e.Item1 == p) < 128 ? 1 : 2);
        Assert.Equal(8 + 4 * t + countBytes + expected.Count * (idBytes + 4), blob.Length);
    }

    [Fact]
    public void Scatter_SortsByFeatureKeepingPositionOrder()
    {
        var layout = new ContextLayout(6, 10, 0);
        var (tokens, acts) = Random(6, 10, 4, 3);
        var parsed = ContextBlob.Parse(new ContextBlobWriter(layout).Encode(0, tokens, acts), layout, 0, "x.db");
        var counts = new long[10];
        parsed.CountIds(counts);
        int lo = 2, hi = 7;
        var starts = new int[hi - lo + 1];
        for (int f = lo; f < hi; f++) starts[f - lo + 1] = starts[f - lo] + (int)counts[f];
        var (keys, vals, cursor) = (new int[starts[^1]], new float[starts[^1]], starts[..^1]);
        parsed.Scatter(lo, hi, 100, cursor, keys, vals);
        for (int f = lo; f < hi; f++)
        {
            var want = Enumerable.Range(0, 6).Where(p => acts[p * 10 + f] != 0).ToArray();
            Assert.Equal(want.Select(p => 100 + p), keys[starts[f - lo]..starts[f - lo + 1]]);
            Assert.Equal(want.Select(p => acts[p * 10 + f]), vals[starts[f - lo]..starts[f - lo + 1]]);
        }
    }

    [Fact]
    public void Encode_NonFiniteActivation_RefusedNamingContextPositionAndFeature()
    {
        var layout = new ContextLayout(2, 4, 0);
        var acts = new float[8];
        acts[6] = float.NaN;
        var e = Assert.Throws<InvalidDataException>(() => new ContextBlobWriter(layout).Encode(5, [1, 2], acts));
        Assert.Contains("non-finite activation (NaN) for feature 2 at context 5, position 1", e.Message);
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "short", "bytes, too short for 4 tokens" },
        { "checksum", "checksum mismatch" },
        { "count-too-big", "more than the SAE's 6 features" },
        { "counts-sum", "position counts sum to" },
        { "length", "bytes where the counts say" },
        { "varint", "malformed position counts" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Parse_DamagedRow_RefusedNamingTheFileAndContext(string which, string expected)
    {
        var layout = new ContextLayout(4, 6, 0);
        var (tokens, acts) = Random(4, 6, 2, 9);
        var b = new ContextBlobWriter(layout).Encode(3, tokens, acts);
        int counts = 8 + 16;
        switch (which)
        {
            case "short": b = b[..20]; break;
            case "checksum": b[^1] ^= 1; break;
            case "count-too-big": b[counts] = 7; break;
            case "counts-sum": b[counts] += 1; break;
            case "length": b = [.. b, 0, 0]; break;
            case "varint": for (int i = counts; i < b.Length; i++) b[i] = 0xff; break;
        }
        if (which != "checksum") BinaryPrimitives.WriteUInt32LittleEndian(b, Crc32C.Of(b.AsSpan(4)));
        var e = Assert.Throws<InvalidDataException>(() => ContextBlob.Parse(b, layout, 3, "/data/c.db"));
        Assert.Contains("the latent cache '/data/c.db' has a damaged row for context 3", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Crc32C_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Of("123456789"u8));                // RFC 3720 / the CRC catalogue's check value
        Assert.Equal(0u, Crc32C.Of([]));
    }
}

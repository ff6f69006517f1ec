// A feature's example blob: encode then decode gives back every window (2- and 4-byte token ids, sparse activations), and
// damage that keeps a valid checksum (a peak that is not its window's value, bytes left over, an index out of the window)
// is refused.
using System.Buffers.Binary;
using Interp.Dictionaries.Cache;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class ExampleBlobTests
{
    private const int W = 5, T = 12;
    private static readonly int[] Tokens = Enumerable.Range(0, T * 3).Select(i => 70_000 + i * 13).ToArray();

    private static (List<Pick> picks, Func<Pick, (int, ReadOnlyMemory<int>, float[])> window) Sample()
    {
        var picks = new List<Pick>
        {
            new(ExampleKind.RandomNegative, 0, -1, 2, -1, 0, 7),
            new(ExampleKind.Quantile, 1, 0, 1, 3, 0.25f),
            new(ExampleKind.Top, 0, -1, 0, 4, 9.5f),
        };
        return (picks, p =>
        {
            int start = p.Start ?? Math.Max(0, p.Pos - 2);
            var acts = new float[W];
            if (p.Kind != ExampleKind.RandomNegative) { acts[p.Pos - start] = p.Value; acts[W - 1] = -1.5f; }
            return (start, new ReadOnlyMemory<int>(Tokens, p.Context * T + start, W), acts);
        });
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void EncodeThenDecode_GivesBackEveryWindow(int tokenBytes)
    {
        var (picks, window) = Sample();
        var tokens = tokenBytes == 2 ? Tokens.Select(t => t % 65_536).ToArray() : Tokens;
        var blob = ExampleBlob.Encode(picks, W, tokenBytes, p => { var (s, _, a) = window(p); return (s, new ReadOnlyMemory<int>(tokens, p.Context * T + s, W), a); });
        var got = ExampleBlob.Decode(blob, contexts: 3, contextLength: T);
        Assert.Equal(new[] { ExampleKind.Top, ExampleKind.Quantile, ExampleKind.RandomNegative }, got.Select(e => e.Kind));
        foreach (var (e, p) in got.Zip(new[] { picks[2], picks[1], picks[0] }))
        {
            var (start, tok, acts) = window(p);
            Assert.Equal((p.Rank, p.Context, p.Pos, (double)p.Value, start), (e.Rank, (int)e.Context, e.Pos, e.Value, e.Start));
            Assert.Equal(tokenBytes == 2 ? tok.ToArray().Select(t => t % 65_536) : tok.ToArray(), e.Tokens);
            Assert.Equal(acts, e.Acts);
        }
        Assert.Equal(0, got[1].Bin);
        Assert.Null(got[0].Bin);
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "peak", "example 0 whose peak value 9.25 is not its window's 9.5" },
        { "trailing", "bytes after the last example" },
        { "index", "with activation" },
        { "token-bytes", "3-byte token ids" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Decode_DamageUnderAValidChecksum_Refused(string which, string expected)
    {
        var (picks, window) = Sample();
        var b = ExampleBlob.Encode(picks, W, 4, p => window(p));
        int firstActs = 13 + 25 + 4 * W + 2;                                   // the top example's first (index, value)
        switch (which)
        {
            case "peak": BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(13 + 17), 9.25f); break;
            case "trailing": b = [.. b, 0]; break;
            case "index": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(firstActs), W); break;
            case "token-bytes": b[12] = 3; break;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b, Crc32C.Of(b.AsSpan(4)));
        var e = Assert.Throws<InvalidDataException>(() => ExampleBlob.Decode(b, 3, T));
        Assert.Contains(expected, e.Message);
    }
}

// A feature's example windows (top, quantile samples, random negatives) as one blob of its features row, under a
// CRC-32C checksum: encoding (finalize) and validated decoding (LatentCache.Feature). Not the token strings (LatentCache).
using System.Buffers.Binary;

namespace Interp.Dictionaries.Cache;

/// <summary>Layout, little-endian: u32 crc (of every byte after it), i32 count, i32 w (tokens per window), then per
/// example in (kind, rank) order: u8 kind, i32 rank, i32 bin (-1: none), i32 context, i32 pos (-1 for random negatives),
/// f32 value, i32 start, i32 tokens[w], f32 acts[w].</summary>
internal static class ExampleBlob
{
    private const int Header = 12, Fixed = 25;

    public static byte[] Encode(List<Pick> picks, int w, Func<Pick, (int Start, ReadOnlyMemory<int> Tokens, float[] Acts)> window)
    {
        var sorted = picks.OrderBy(p => p.Kind).ThenBy(p => p.Rank).ToList();
        var b = new byte[Header + sorted.Count * (Fixed + 8 * w)];
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], sorted.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], w);
        int o = Header;
        foreach (var p in sorted)
        {
            var (start, tokens, acts) = window(p);
            s[o] = (byte)p.Kind;
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 1)..], p.Rank);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 5)..], p.Bin);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 9)..], p.Context);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 13)..], p.Pos);
            BinaryPrimitives.WriteSingleLittleEndian(s[(o + 17)..], p.Value);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 21)..], start);
            o += Fixed;
            foreach (int t in tokens.Span) { BinaryPrimitives.WriteInt32LittleEndian(s[o..], t); o += 4; }
            foreach (float a in acts) { BinaryPrimitives.WriteSingleLittleEndian(s[o..], a); o += 4; }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(s, Crc32C.Of(s[4..]));
        return b;
    }

    /// <summary>One decoded example, before token strings are attached.</summary>
    public sealed record Raw(ExampleKind Kind, int Rank, int? Bin, long Context, int Pos, double Value, int Start, int[] Tokens, float[] Acts);

    /// <summary>Decodes and checks a feature's examples against the cache's shape; throws InvalidDataException saying what is
    /// wrong (the caller adds which file and feature).</summary>
    public static List<Raw> Decode(ReadOnlySpan<byte> b, long contexts, int contextLength)
    {
        if (b.Length < Header) throw new InvalidDataException($"{b.Length} bytes, shorter than their header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(b) != Crc32C.Of(b[4..]))
            throw new InvalidDataException("a checksum mismatch (the bytes were changed after they were written)");
        int count = BinaryPrimitives.ReadInt32LittleEndian(b[4..]), w = BinaryPrimitives.ReadInt32LittleEndian(b[8..]);
        if (w < 1 || w > contextLength) throw new InvalidDataException($"windows of {w} tokens in contexts of {contextLength}");
        if (count < 0 || b.Length != Header + (long)count * (Fixed + 8 * w))
            throw new InvalidDataException($"{b.Length} bytes, not what {count} windows of {w} tokens take");
        var list = new List<Raw>(count);
        int o = Header;
        for (int e = 0; e < count; e++, o += Fixed + 8 * w)
        {
            var s = b[o..];
            int kind = s[0], rank = I(s, 1), bin = I(s, 5), ctx = I(s, 9), pos = I(s, 13), start = I(s, 21);
            float value = BinaryPrimitives.ReadSingleLittleEndian(s[17..]);
            bool negative = kind == (int)ExampleKind.RandomNegative;
            string? bad = kind > 2 ? $"kind {kind}"
                : rank < 0 ? $"rank {rank}"
                : ctx < 0 || ctx >= contexts ? $"context {ctx} of {contexts}"
                : start < 0 || start > contextLength - w ? $"window start {start}"
                : negative ? (pos != -1 || value != 0 ? $"a random negative with peak {pos}, value {value}" : null)
                : pos < start || pos >= start + w ? $"peak position {pos} outside its window {start}..{start + w - 1}"
                : !float.IsFinite(value) || value == 0 ? $"peak value {value}"
                : null;
            if (bad is not null) throw new InvalidDataException($"example {e} with {bad}");
            var tokens = new int[w];
            var acts = new float[w];
            for (int i = 0; i < w; i++)
            {
                tokens[i] = I(s, Fixed + 4 * i);
                acts[i] = BinaryPrimitives.ReadSingleLittleEndian(s[(Fixed + 4 * w + 4 * i)..]);
            }
            list.Add(new Raw((ExampleKind)kind, rank, kind == (int)ExampleKind.Quantile ? bin : null, ctx, pos, value, start, tokens, acts));
        }
        return list;
    }

    private static int I(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadInt32LittleEndian(s[at..]);
}

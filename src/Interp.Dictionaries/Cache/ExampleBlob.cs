// A feature's example windows (top, quantile samples, random negatives) as one blob of its features row, under a
// CRC-32C checksum: token ids in 2 bytes when the vocabulary allows, activations sparse (most window tokens are 0).
// Encoding (finalize) and validated decoding (LatentCache.Feature). Not the token strings (LatentCache).
using System.Buffers.Binary;

namespace Interp.Dictionaries.Cache;

/// <summary>Layout, little-endian: u32 crc (of every byte after it), i32 count, i32 w (tokens per window), u8 token bytes
/// (2 or 4), then per example in (kind, rank) order: u8 kind, i32 rank, i32 bin (-1: none), i32 context, i32 pos (-1 for
/// random negatives), f32 value, i32 start, tokens[w] (2 or 4 bytes each), u16 nnz, then nnz × (u16 index in the window,
/// f32 activation), indices ascending.</summary>
internal static class ExampleBlob
{
    private const int Header = 13, Fixed = 25;

    /// <summary>Token bytes for a vocabulary of <paramref name="dVocab"/> ids (0: unknown).</summary>
    public static int TokenBytesFor(int dVocab) => dVocab is > 0 and <= 1 << 16 ? 2 : 4;

    public static byte[] Encode(List<Pick> picks, int w, int tokenBytes, Func<Pick, (int Start, ReadOnlyMemory<int> Tokens, float[] Acts)> window)
    {
        var sorted = picks.OrderBy(p => p.Kind).ThenBy(p => p.Rank).Select(p => (p, window(p))).ToList();
        int size = Header + sorted.Sum(x => Fixed + w * tokenBytes + 2 + 6 * x.Item2.Acts.Count(a => a != 0));
        var b = new byte[size];
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], sorted.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], w);
        s[12] = (byte)tokenBytes;
        int o = Header;
        foreach (var (p, (start, tokens, acts)) in sorted)
        {
            s[o] = (byte)p.Kind;
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 1)..], p.Rank);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 5)..], p.Bin);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 9)..], p.Context);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 13)..], p.Pos);
            BinaryPrimitives.WriteSingleLittleEndian(s[(o + 17)..], p.Value);
            BinaryPrimitives.WriteInt32LittleEndian(s[(o + 21)..], start);
            o += Fixed;
            foreach (int t in tokens.Span)
            {
                if (tokenBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(s[o..], (ushort)t);
                else BinaryPrimitives.WriteInt32LittleEndian(s[o..], t);
                o += tokenBytes;
            }
            int nnzAt = o;
            o += 2;
            ushort nnz = 0;
            for (int i = 0; i < acts.Length; i++)
            {
                if (acts[i] == 0) continue;
                BinaryPrimitives.WriteUInt16LittleEndian(s[o..], (ushort)i);
                BinaryPrimitives.WriteSingleLittleEndian(s[(o + 2)..], acts[i]);
                o += 6;
                nnz++;
            }
            BinaryPrimitives.WriteUInt16LittleEndian(s[nnzAt..], nnz);
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
        int count = BinaryPrimitives.ReadInt32LittleEndian(b[4..]), w = BinaryPrimitives.ReadInt32LittleEndian(b[8..]), tb = b[12];
        if (w < 1 || w > contextLength || w > ushort.MaxValue) throw new InvalidDataException($"windows of {w} tokens in contexts of {contextLength}");
        if (tb is not (2 or 4)) throw new InvalidDataException($"{tb}-byte token ids");
        if (count < 0 || (long)count * (Fixed + w * tb + 2) > b.Length - Header) throw new InvalidDataException($"{count} windows in {b.Length} bytes");
        var list = new List<Raw>(count);
        int o = Header;
        for (int e = 0; e < count; e++)
        {
            if (o + Fixed + w * tb + 2 > b.Length) throw new InvalidDataException($"example {e} cut short at byte {b.Length}");
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
            o += Fixed;
            for (int i = 0; i < w; i++, o += tb)
                tokens[i] = tb == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(b[o..]) : I(b, o);
            int nnz = BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
            o += 2;
            if (nnz > w || o + 6 * nnz > b.Length) throw new InvalidDataException($"example {e} with {nnz} activations in a window of {w}");
            var acts = new float[w];
            for (int k = 0, last = -1; k < nnz; k++, o += 6)
            {
                int at = BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
                float a = BinaryPrimitives.ReadSingleLittleEndian(b[(o + 2)..]);
                if (at <= last || at >= w || !float.IsFinite(a) || a == 0 || negative)
                    throw new InvalidDataException($"example {e} with activation {a} at window index {at}");
                acts[at] = a;
                last = at;
            }
            if (!negative && acts[pos - start] != value) throw new InvalidDataException($"example {e} whose peak value {value} is not its window's {acts[pos - start]}");
            list.Add(new Raw((ExampleKind)kind, rank, kind == (int)ExampleKind.Quantile ? bin : null, ctx, pos, value, start, tokens, acts));
        }
        if (o != b.Length) throw new InvalidDataException($"{b.Length - o} bytes after the last example");
        return list;
    }

    private static int I(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadInt32LittleEndian(s[at..]);
}

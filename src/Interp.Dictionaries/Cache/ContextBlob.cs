// One context's row of the latent cache: its token ids and every non-zero feature activation, position by position (a
// compressed sparse row layout), under a CRC-32C checksum: about 6 bytes per activation with exact float32 values.
// Encoding (the build), validation and decoding (finalize, readers). Not the SQL around it (CacheDb).
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Interp.Dictionaries.Cache;

/// <summary>The layout of a context blob, little-endian:
/// <code>
///   u32    crc        CRC-32C of every byte after this field
///   u32    n          activations stored for the context
///   i32    tokens[T]  the context's token ids
///   varint counts[T]  activations at each position (LEB128; they sum to n)
///   uN     ids[n]     feature ids, ascending within a position; N = IdBytes (2, 3 or 4, from d_sae)
///   f32    values[n]  the activations: finite and non-zero
/// </code></summary>
internal readonly struct ContextLayout(int contextLength, int dSae, int dVocab)
{
    public int ContextLength { get; } = contextLength;
    public int DSae { get; } = dSae;
    /// <summary>Token ids must be below this (0 = not checked).</summary>
    public int DVocab { get; } = dVocab;
    public int IdBytes { get; } = IdBytesFor(dSae);

    public static int IdBytesFor(int dSae) => dSae <= 1 << 16 ? 2 : dSae <= 1 << 24 ? 3 : 4;
}

/// <summary>Writes context blobs into a reusable buffer.</summary>
internal sealed class ContextBlobWriter(ContextLayout layout)
{
    private byte[] _buf = new byte[1024];
    private readonly int[] _counts = new int[layout.ContextLength];
    private int[] _ids = new int[256];
    private float[] _vals = new float[256];
    private int _n;

    /// <summary>Encodes one context from its feature activations [T, d_sae] (row-major, starting at
    /// <paramref name="acts"/>[0]); returns the blob (a fresh array of its exact length).</summary>
    public byte[] Encode(long contextId, ReadOnlySpan<int> tokens, ReadOnlySpan<float> acts)
    {
        int t = layout.ContextLength, d = layout.DSae, vw = Vector<float>.Count;
        _n = 0;
        for (int p = 0; p < t; p++)
        {
            var row = acts.Slice(p * d, d);
            int before = _n, f = 0;
            for (; f <= d - vw; f += vw)                                   // SAE rows are mostly zeros: skip a vector at a time
            {
                if (Vector.EqualsAll(new Vector<float>(row.Slice(f, vw)), Vector<float>.Zero)) continue;
                for (int j = f; j < f + vw; j++) if (row[j] != 0) Add(contextId, p, j, row[j]);
            }
            for (; f < d; f++) if (row[f] != 0) Add(contextId, p, f, row[f]);
            _counts[p] = _n - before;
        }
        int size = 8 + 4 * t + VarintBytes(_counts) + _n * layout.IdBytes + 4 * _n;
        if (_buf.Length < size) _buf = new byte[Math.Max(size, _buf.Length * 2)];
        var s = _buf.AsSpan(0, size);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)_n);
        int o = 8;
        foreach (int tok in tokens) { BinaryPrimitives.WriteInt32LittleEndian(s[o..], tok); o += 4; }
        foreach (int c in _counts) o += WriteVarint(s[o..], (uint)c);
        int ib = layout.IdBytes;
        for (int i = 0; i < _n; i++, o += ib)
        {
            int id = _ids[i];
            s[o] = (byte)id; s[o + 1] = (byte)(id >> 8);
            if (ib > 2) s[o + 2] = (byte)(id >> 16);
            if (ib > 3) s[o + 3] = (byte)(id >> 24);
        }
        for (int i = 0; i < _n; i++, o += 4) BinaryPrimitives.WriteSingleLittleEndian(s[o..], _vals[i]);
        BinaryPrimitives.WriteUInt32LittleEndian(s, Crc32C.Of(s[4..]));
        return s.ToArray();
    }

    /// <summary>Activations in the most recent Encode.</summary>
    public int Count => _n;

    private void Add(long context, int pos, int id, float v)
    {
        if (!float.IsFinite(v))
            throw new InvalidDataException($"the SAE produced a non-finite activation ({v}) for feature {id} at context {context}, position {pos}; " +
                "check the model's and the SAE's weights (nothing of this batch was stored).");
        if (_n == _ids.Length) { Array.Resize(ref _ids, _n * 2); Array.Resize(ref _vals, _n * 2); }
        _ids[_n] = id; _vals[_n++] = v;
    }

    private static int VarintBytes(int[] counts)
    {
        int b = 0;
        foreach (int c in counts) b += c < 1 << 7 ? 1 : c < 1 << 14 ? 2 : c < 1 << 21 ? 3 : c < 1 << 28 ? 4 : 5;
        return b;
    }

    private static int WriteVarint(Span<byte> s, uint v)
    {
        int i = 0;
        while (v >= 0x80) { s[i++] = (byte)(v | 0x80); v >>= 7; }
        s[i++] = (byte)v;
        return i;
    }
}

/// <summary>A validated view of one context blob. <see cref="Parse"/> checks everything a damaged or foreign row could
/// get wrong (checksum, lengths, counts, id range and order, token range, finite non-zero values) and throws
/// InvalidDataException naming the context; after it, reads need no checks.</summary>
internal readonly ref struct ContextBlob
{
    private readonly ReadOnlySpan<byte> _b;
    private readonly int _idsAt, _valsAt, _countsAt, _idBytes, _t;

    /// <summary>Activations in the context.</summary>
    public int Count { get; }

    private ContextBlob(ReadOnlySpan<byte> b, int t, int idBytes, int n, int countsAt, int idsAt, int valsAt)
    {
        _b = b;
        (_t, _idBytes, Count, _countsAt, _idsAt, _valsAt) = (t, idBytes, n, countsAt, idsAt, valsAt);
    }

    public static ContextBlob Parse(ReadOnlySpan<byte> b, ContextLayout l, long context, string path, bool verify = true)
    {
        int t = l.ContextLength;
        string Bad(string what) => $"the latent cache '{path}' has a damaged row for context {context}: {what}; rebuild the cache " +
                                   "(delete it and re-run `interp cache build`).";
        if (b.Length < 8 + 5 * t) throw new InvalidDataException(Bad($"{b.Length} bytes, too short for {t} tokens"));
        if (verify && BinaryPrimitives.ReadUInt32LittleEndian(b) != Crc32C.Of(b[4..]))
            throw new InvalidDataException(Bad("checksum mismatch (the bytes were changed after they were written)"));
        long n = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        int countsAt = 8 + 4 * t, o = countsAt;
        long sum = 0;
        for (int p = 0; p < t; p++)
        {
            uint c = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (o >= b.Length || shift > 28) throw new InvalidDataException(Bad("malformed position counts"));
                byte x = b[o++];
                c |= (uint)(x & 0x7f) << shift;
                if (x < 0x80) break;
            }
            if (c > l.DSae) throw new InvalidDataException(Bad($"{c} activations at position {p}, more than the SAE's {l.DSae} features"));
            sum += c;
        }
        if (sum != n) throw new InvalidDataException(Bad($"position counts sum to {sum}, not the stored {n}"));
        long expected = o + n * (l.IdBytes + 4);
        if (b.Length != expected) throw new InvalidDataException(Bad($"{b.Length} bytes where the counts say {expected}"));
        var blob = new ContextBlob(b, t, l.IdBytes, (int)n, countsAt, o, o + (int)n * l.IdBytes);
        if (!verify) return blob;
        for (int p = 0; p < t; p++)
            if (blob.Token(p) is var tok && (tok < 0 || (l.DVocab > 0 && tok >= l.DVocab)))
                throw new InvalidDataException(Bad($"token id {tok} at position {p} is outside the vocabulary 0..{l.DVocab - 1}"));
        Span<int> counts = t <= 4096 ? stackalloc int[t] : new int[t];
        blob.ReadCounts(counts);
        bool fast = l.IdBytes == 2 && BitConverter.IsLittleEndian;
        var ids16 = fast ? MemoryMarshal.Cast<byte, ushort>(b.Slice(blob._idsAt, 2 * blob.Count)) : default;
        var values = fast ? MemoryMarshal.Cast<byte, float>(b.Slice(blob._valsAt, 4 * blob.Count)) : default;
        for (int p = 0, i = 0; p < t; p++)
            for (int k = 0, lastId = -1; k < counts[p]; k++, i++)
            {
                int id = fast ? ids16[i] : blob.Id(i);
                float v = fast ? values[i] : blob.Value(i);
                if (id >= l.DSae) throw new InvalidDataException(Bad($"feature id {id} at position {p} is outside the SAE's features 0..{l.DSae - 1}"));
                if (id <= lastId) throw new InvalidDataException(Bad($"feature ids out of order at position {p}"));
                if (!float.IsFinite(v) || v == 0) throw new InvalidDataException(Bad($"activation {v} for feature {id} at position {p} (stored values are finite and non-zero)"));
                lastId = id;
            }
        return blob;
    }

    public int Token(int p) => BinaryPrimitives.ReadInt32LittleEndian(_b[(8 + 4 * p)..]);

    public void CopyTokens(Span<int> dst)
    {
        var src = MemoryMarshal.Cast<byte, int>(_b.Slice(8, 4 * _t));
        if (BitConverter.IsLittleEndian) src.CopyTo(dst);
        else for (int p = 0; p < _t; p++) dst[p] = Token(p);
    }

    /// <summary>The number of activations at each position.</summary>
    public void ReadCounts(Span<int> counts)
    {
        int o = _countsAt;
        for (int p = 0; p < _t; p++)
        {
            uint c = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte x = _b[o++];
                c |= (uint)(x & 0x7f) << shift;
                if (x < 0x80) break;
            }
            counts[p] = (int)c;
        }
    }

    /// <summary>Feature <paramref name="feature"/>'s activation at each position into <paramref name="acts"/> (left as
    /// they are where it does not fire).</summary>
    public void FeatureValues(int feature, Span<float> acts)
    {
        Span<int> counts = _t <= 4096 ? stackalloc int[_t] : new int[_t];
        ReadCounts(counts);
        bool fast = _idBytes == 2 && BitConverter.IsLittleEndian;
        var ids16 = fast ? MemoryMarshal.Cast<byte, ushort>(_b.Slice(_idsAt, 2 * Count)) : default;
        for (int p = 0, i = 0; p < _t; i += counts[p++])
            for (int k = i, end = i + counts[p]; k < end; k++)
            {
                int id = fast ? ids16[k] : Id(k);
                if (id < feature) continue;
                if (id == feature) acts[p] = Value(k);
                break;                                                      // ids ascend within a position
            }
    }

    public int Id(int i) => _idBytes switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(_b[(_idsAt + 2 * i)..]),
        3 => _b[_idsAt + 3 * i] | _b[_idsAt + 3 * i + 1] << 8 | _b[_idsAt + 3 * i + 2] << 16,
        _ => BinaryPrimitives.ReadInt32LittleEndian(_b[(_idsAt + 4 * i)..]),
    };

    public float Value(int i) => BinaryPrimitives.ReadSingleLittleEndian(_b[(_valsAt + 4 * i)..]);

    /// <summary>Adds one to counts[id] for every activation.</summary>
    public void CountIds(Span<long> counts)
    {
        if (_idBytes == 2)
        {
            var ids = _b.Slice(_idsAt, 2 * Count);
            for (int i = 0; i < ids.Length; i += 2) counts[ids[i] | ids[i + 1] << 8]++;
        }
        else for (int i = 0; i < Count; i++) counts[Id(i)]++;
    }

    /// <summary>For every activation of a feature in [lo, hi): keys[cursor[id - lo]] = keyBase + position and the value
    /// beside it, then cursor[id - lo]++ (a counting sort by feature that keeps context and position order).</summary>
    public void Scatter(int lo, int hi, int keyBase, int[] cursor, int[] keys, float[] vals)
    {
        bool fast = _idBytes == 2 && BitConverter.IsLittleEndian;
        var ids16 = fast ? MemoryMarshal.Cast<byte, ushort>(_b.Slice(_idsAt, 2 * Count)) : default;
        var values = fast ? MemoryMarshal.Cast<byte, float>(_b.Slice(_valsAt, 4 * Count)) : default;
        var b = _b;
        int o = _countsAt, i = 0;
        uint span = (uint)(hi - lo);
        for (int p = 0; p < _t; p++)
        {
            uint c = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte x = b[o++];
                c |= (uint)(x & 0x7f) << shift;
                if (x < 0x80) break;
            }
            int key = keyBase + p;
            for (int end = i + (int)c; i < end; i++)
            {
                int id = fast ? ids16[i] : Id(i);
                if ((uint)(id - lo) >= span) continue;
                int at = cursor[id - lo]++;
                keys[at] = key;
                vals[at] = fast ? values[i] : Value(i);
            }
        }
    }

    /// <summary>The activations in storage order: by position, then feature id.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Visits (position, feature, value) triples; <see cref="Current"/> is valid after MoveNext returns true.</summary>
    public ref struct Enumerator(ContextBlob blob)
    {
        private readonly ContextBlob _blob = blob;
        private int _i = -1, _pos = -1, _left, _o = blob._countsAt;

        public bool MoveNext()
        {
            if (++_i >= _blob.Count) return false;
            while (_left == 0)
            {
                _pos++;
                uint c = 0;
                for (int shift = 0; ; shift += 7)
                {
                    byte x = _blob._b[_o++];
                    c |= (uint)(x & 0x7f) << shift;
                    if (x < 0x80) break;
                }
                _left = (int)c;
            }
            _left--;
            return true;
        }

        public readonly (int Pos, int Id, float Value) Current => (_pos, _blob.Id(_i), _blob.Value(_i));
    }
}

/// <summary>CRC-32C (Castagnoli), with the CPU's instruction where there is one (BitOperations.Crc32C).</summary>
internal static class Crc32C
{
    public static uint Of(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong w in words) crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));
        foreach (byte x in data[(words.Length * 8)..]) crc = BitOperations.Crc32C(crc, x);
        return ~crc;
    }
}

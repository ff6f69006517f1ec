// The embedded index's sidecar, "<index>.db.vectors": the in-memory copy (VectorCache) saved whole, so a cold open reads
// one file sequentially instead of 100k rows from SQLite and re-quantising them. It is only a cache of the SQLite file:
//   header (72 bytes, little-endian): magic "IFXVEC01" | instance GUID (16) | revision i64 | rows i32 | explanation dim i32 |
//     decoder dim i32 | explanation stride i32 | decoder stride i32 | keys-block length i32 | body length i64 | checksum u64
//   body: keys block (VectorCache.KeysBlock), then per matrix has[rows], scale[rows], L1[rows], rows[rows·dim],
//     codes[rows·stride].
// The stamp (instance, revision) says which state of which SQLite file it copies: the instance is a GUID in the index's meta
// table (a file rebuilt at the same path has another), the revision is the counter every write transaction bumps. A
// sidecar is written only from a copy that equals the file at its revision and only once that revision is durable in the
// file (after a complete WAL checkpoint), through AtomicFile (whole or not at all). So a sidecar older than the file is a
// correct copy of an earlier revision: the store catches up from it by the rows written and deleted since (as it does for
// another process's writes); a sidecar newer than the file, of another instance, of a wrong length or checksum is not used.
// The checksum (four-lane Fletcher-64 over the header's fields and the body) catches truncation and torn or flipped bytes.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Interp.Tensors.IO;

namespace Interp.Index.Embedded;

internal static class VectorSidecar
{
    public const string Suffix = ".vectors";
    private const int HeaderSize = 72, PieceBytes = 64 << 20;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("IFXVEC01");

    public delegate void BytesAction(Span<byte> bytes);

    public readonly record struct Stamp(Guid Instance, long Rev);

    public static string PathFor(string dbPath) => dbPath + Suffix;

    /// <summary>Calls <paramref name="each"/> on the first <paramref name="count"/> elements of <paramref name="array"/>
    /// as bytes, in pieces of at most 64 MiB.</summary>
    public static void Pieces<T>(T[] array, long count, BytesAction each) where T : unmanaged
    {
        int per = PieceBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (long at = 0; at < count; at += per)
            each(MemoryMarshal.AsBytes(array.AsSpan((int)at, (int)Math.Min(per, count - at))));
    }

    /// <summary>Writes <paramref name="cache"/> (at revision cache.Rev of the file <paramref name="instance"/>) whole or not
    /// at all. The caller holds the cache still (a read lock) and has made cache.Rev durable in SQLite.</summary>
    public static void Write(string path, Guid instance, VectorCache cache)
    {
        var keys = cache.KeysBlock();
        long body = keys.Length;
        cache.ForEachMatrixSection(b => body += b.Length);
        var header = Header(instance, cache.Rev, cache.Count, cache.ExplanationDim, cache.DecoderDim, keys.Length, body);
        var sum = new Fletcher();
        sum.Add(header.AsSpan(0, HeaderSize - 8));
        sum.Add(keys);
        cache.ForEachMatrixSection(b => sum.Add(b));
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(HeaderSize - 8), sum.Value);
        AtomicFile.Write(path, s =>
        {
            s.Write(header);
            s.Write(keys);
            cache.ForEachMatrixSection(b => s.Write(b));
        }, "the feature index's vector sidecar");
    }

    /// <summary>The stamp of the sidecar at <paramref name="path"/> and a cache filled from it, or null with the reason
    /// (missing, unreadable, truncated, not a sidecar, checksum mismatch). Does not compare the stamp with the file.</summary>
    public static (VectorCache? Cache, Stamp Stamp, string? Why) TryRead(string path, int explanationDim)
    {
        if (!File.Exists(path)) return (null, default, "missing");
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var header = new byte[HeaderSize];
            if (fs.Length < HeaderSize) return (null, default, $"truncated ({fs.Length} bytes)");
            fs.ReadExactly(header);
            if (!header.AsSpan(0, 8).SequenceEqual(Magic)) return (null, default, "not a vector sidecar of this version");
            var h = header.AsSpan();
            var stamp = new Stamp(new Guid(h.Slice(8, 16)), BinaryPrimitives.ReadInt64LittleEndian(h[24..]));
            int rows = BinaryPrimitives.ReadInt32LittleEndian(h[32..]), eDim = BinaryPrimitives.ReadInt32LittleEndian(h[36..]),
                dDim = BinaryPrimitives.ReadInt32LittleEndian(h[40..]), eStride = BinaryPrimitives.ReadInt32LittleEndian(h[44..]),
                dStride = BinaryPrimitives.ReadInt32LittleEndian(h[48..]), keysLen = BinaryPrimitives.ReadInt32LittleEndian(h[52..]);
            long body = BinaryPrimitives.ReadInt64LittleEndian(h[56..]);
            ulong want = BinaryPrimitives.ReadUInt64LittleEndian(h[(HeaderSize - 8)..]);
            if (rows < 0 || keysLen < 0 || eDim != explanationDim || dDim < 0 || dDim > 1 << 20
                || eStride != Stride(eDim) || dStride != Stride(dDim))
                return (null, stamp, "its header does not fit this index");
            long expect = keysLen + (long)rows * (2 * (1 + 4 + 4) + 4L * eDim + eStride + (dDim > 0 ? 4L * dDim + dStride : 0));
            if (body != expect || fs.Length != HeaderSize + body)
                return (null, stamp, $"truncated or padded ({fs.Length} bytes, {HeaderSize + expect} expected)");
            var sum = new Fletcher();
            sum.Add(h[..(HeaderSize - 8)]);
            var keys = new byte[keysLen];
            fs.ReadExactly(keys);
            sum.Add(keys);
            var cache = VectorCache.ForLoad(eDim, dDim, rows);
            cache.ForEachMatrixSection(b => { fs.ReadExactly(b); sum.Add(b); });
            if (sum.Value != want) return (null, stamp, "checksum mismatch");
            if (!cache.FinishLoad(keys)) return (null, stamp, "its keys block does not match its row count");
            cache.Rev = stamp.Rev;
            return (cache, stamp, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            return (null, default, $"unreadable ({e.Message})");
        }
    }

    private static int Stride(int dim) => (dim + VectorMatrix.Align - 1) / VectorMatrix.Align * VectorMatrix.Align;

    private static byte[] Header(Guid instance, long rev, int rows, int eDim, int dDim, int keysLen, long body)
    {
        var h = new byte[HeaderSize];
        Magic.CopyTo(h, 0);
        instance.TryWriteBytes(h.AsSpan(8, 16));
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(24), rev);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(32), rows);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(36), eDim);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(40), dDim);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(44), Stride(eDim));
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(48), Stride(dDim));
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(52), keysLen);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(56), body);
        return h;
    }

    /// <summary>Fletcher-64 in four interleaved lanes over 64-bit words (tail bytes folded in one by one), with the
    /// total length: one pass at memory speed, sensitive to changed, lost and moved words.</summary>
    private sealed class Fletcher
    {
        private ulong _a0, _a1, _a2, _a3, _b0, _b1, _b2, _b3, _len;

        public ulong Value
        {
            get
            {
                ulong h = _len * 0x9E3779B97F4A7C15UL;
                foreach (var x in new[] { _a0, _a1, _a2, _a3, _b0, _b1, _b2, _b3 })
                    h = (h ^ x) * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL;
                return h;
            }
        }

        public void Add(ReadOnlySpan<byte> data)
        {
            _len += (ulong)data.Length;
            var w = MemoryMarshal.Cast<byte, ulong>(data);
            ulong a0 = _a0, a1 = _a1, a2 = _a2, a3 = _a3, b0 = _b0, b1 = _b1, b2 = _b2, b3 = _b3;
            int i = 0;
            for (; i + 4 <= w.Length; i += 4)
            {
                a0 += w[i]; b0 += a0; a1 += w[i + 1]; b1 += a1;
                a2 += w[i + 2]; b2 += a2; a3 += w[i + 3]; b3 += a3;
            }
            for (; i < w.Length; i++) { a0 += w[i]; b0 += a0; }
            foreach (byte t in data[(w.Length * 8)..]) { a1 += t + 1UL; b1 += a1; }
            (_a0, _a1, _a2, _a3, _b0, _b1, _b2, _b3) = (a0, a1, a2, a3, b0, b1, b2, b3);
        }
    }
}

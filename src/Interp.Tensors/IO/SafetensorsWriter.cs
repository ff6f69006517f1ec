// Writes tensors to a safetensors file the way the reference implementation lays it out: header JSON
// padded with spaces to a multiple of 8 bytes, tensors sorted by element size (largest first) then name.
// The file is written through AtomicFile (a temporary sibling renamed into place), so a crash never leaves half a file.
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Interp.Tensors.IO;

public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (F32, F64, I64 or I32; any layout) to <paramref name="path"/>.
    /// <paramref name="storeAs"/> F16 or BF16 narrows F32 tensors (round to nearest even); other dtypes
    /// are always stored as they are. Null or F32 stores everything unchanged.
    /// </summary>
    public static void Write(string path, IEnumerable<(string name, Tensor t)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, DType? storeAs = null)
    {
        if (storeAs is not (null or DType.F32 or DType.F16 or DType.BF16))
            throw new ArgumentException($"storeAs must be F16, BF16, F32 or null (it only narrows F32 tensors); got {storeAs}.", nameof(storeAs));

        var items = new List<Entry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(t);
            if (name == "__metadata__") throw new ArgumentException("\"__metadata__\" is reserved by the format and cannot name a tensor.");
            if (!seen.Add(name)) throw new ArgumentException($"tensor name '{name}' is given twice.");
            if (t.DType is not (DType.F32 or DType.F64 or DType.I64 or DType.I32))
                throw new ArgumentException($"tensor '{name}' has dtype {t.DType}; only F32, F64, I64 and I32 tensors can be written.");
            var stored = t.DType == DType.F32 && storeAs is (DType.F16 or DType.BF16) ? storeAs.Value : t.DType;
            items.Add(new Entry(name, t, stored));
        }
        items.Sort((a, b) =>
        {
            int c = DTypeInfo.SizeOf(b.Stored).CompareTo(DTypeInfo.SizeOf(a.Stored));
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });

        byte[] header = BuildHeader(items, metadata);
        AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            fs.Write(len);
            fs.Write(header);
            foreach (var e in items) WriteData(fs, e);
        }, "the safetensors output");
    }

    /// <summary>Convenience overload for a name -> tensor map.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, DType? storeAs = null) =>
        Write(path, tensors.Select(kv => (kv.Key, kv.Value)), metadata, storeAs);

    private sealed record Entry(string Name, Tensor T, DType Stored);

    private static byte[] BuildHeader(List<Entry> items, IReadOnlyDictionary<string, string>? metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var e in items)
            {
                long bytes = (long)e.T.Numel * DTypeInfo.SizeOf(e.Stored);
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", DTypeInfo.SafetensorsName(e.Stored));
                w.WriteStartArray("shape");
                foreach (var d in e.T.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - ms.Length % 8) % 8);
        for (int i = 0; i < pad; i++) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }

    private static void WriteData(Stream fs, Entry e)
    {
        if (e.T.Numel == 0) return;
        using var _ = GradMode.NoGrad();
        using var detached = e.T.Detach();
        using var c = TensorOps.Contiguous(detached);
        switch (e.T.DType)
        {
            case DType.F32 when e.Stored == DType.F32: WriteRaw(fs, c.Span<float>()); break;
            case DType.F32 when e.Stored == DType.BF16: WriteNarrowed(fs, c.Span<float>(), bf16: true); break;
            case DType.F32 when e.Stored == DType.F16: WriteNarrowed(fs, c.Span<float>(), bf16: false); break;
            case DType.F64: WriteRaw(fs, c.Span<double>()); break;
            case DType.I64: WriteRaw(fs, c.Span<long>()); break;
            case DType.I32: WriteRaw(fs, c.Span<int>()); break;
        }
    }

    private static void WriteRaw<T>(Stream fs, ReadOnlySpan<T> data) where T : unmanaged
    {
        const int Chunk = 1 << 20; // elements per write: keeps every byte span well under 2 GiB
        for (int i = 0; i < data.Length; i += Chunk)
            fs.Write(MemoryMarshal.AsBytes(data.Slice(i, Math.Min(Chunk, data.Length - i))));
    }

    private static void WriteNarrowed(Stream fs, ReadOnlySpan<float> data, bool bf16)
    {
        const int Chunk = 1 << 16;
        var buf = new ushort[Math.Min(Chunk, data.Length)];
        for (int i = 0; i < data.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, data.Length - i);
            var src = data.Slice(i, n);
            if (bf16) HalfConvert.F32ToBf16(src, buf);
            else HalfConvert.F32ToF16(src, MemoryMarshal.Cast<ushort, Half>(buf.AsSpan()));
            fs.Write(MemoryMarshal.AsBytes(buf.AsSpan(0, n)));
        }
    }
}

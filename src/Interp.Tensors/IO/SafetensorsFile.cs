// One safetensors file, memory-mapped read-only. The header is parsed and validated up front (Open);
// tensors are copied out lazily by Load, widening F16/BF16 to F32. Does not handle sharded checkpoints:
// SafetensorsStore does. Assumes a little-endian host, as the format stores little-endian data.
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Interp.Tensors.IO;

public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;                 // first byte of the file
    private readonly SafetensorsHeader _header;

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Absolute file offset of the data region (8 + header length).</summary>
    public long DataOffset { get; }

    /// <summary>Tensor names in data-offset order.</summary>
    public IReadOnlyList<string> Names => _header.NamesByOffset;

    /// <summary>The header's "__metadata__" map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    private SafetensorsFile(string path, FileStream stream, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr, SafetensorsHeader header, long dataOffset)
    {
        Path = path; _stream = stream; _map = map; _view = view; _base = basePtr; _header = header; DataOffset = dataOffset;
    }

    /// <summary>Maps <paramref name="path"/> and validates its header; throws SafetensorsException if malformed.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors stores little-endian data; this host is big-endian.");
        string full = System.IO.Path.GetFullPath(path);
        var kind = FileKinds.Of(full);
        if (kind is not (FileKind.Regular or FileKind.Missing))   // a FIFO would block the open; a device would never end
            throw new SafetensorsException(full, null, $"the path is {FileKinds.Describe(kind)}, not a regular file.");
        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long len = stream.Length;
            if (len < 8)
                throw SafetensorsHeader.Bad(full, null, $"the file is {len} bytes long, shorter than the 8-byte header-length prefix (truncated or not a safetensors file).");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            acquired = true;
            p += view.PointerOffset;

            ulong n = *(ulong*)p; // little-endian host, checked above
            if (n > SafetensorsHeader.MaxHeaderBytes)
                throw SafetensorsHeader.Bad(full, null, $"the header length prefix says {n} bytes, more than the format's {SafetensorsHeader.MaxHeaderBytes}-byte limit (corrupt prefix or not a safetensors file).");
            if ((long)n > len - 8)
                throw SafetensorsHeader.Bad(full, null, $"the header length prefix says {n} bytes but only {len - 8} bytes follow it (truncated file or corrupt prefix).");
            long dataOffset = 8 + (long)n;
            var header = SafetensorsHeader.Parse(new ReadOnlySpan<byte>(p + 8, (int)n), len - dataOffset, full);
            return new SafetensorsFile(full, stream, map, view, p, header, dataOffset);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <summary>Dtype, shape and byte range of a tensor (no data is read).</summary>
    public SafetensorsTensorInfo Info(string name)
    {
        ThrowIfDisposed();
        if (_header.Tensors.TryGetValue(name, out var info)) return info;
        throw new KeyNotFoundException($"tensor '{name}' is not in '{Path}' ({_header.Tensors.Count} tensors{Suggest(name)}).");
    }

    /// <summary>Copies one tensor out of the file: F32/F64/I64/I32 as stored, F16 and BF16 widened to F32.</summary>
    public Tensor Load(string name)
    {
        var info = Info(name);
        DType loadAs;
        try { loadAs = info.LoadsAs; }
        catch (NotSupportedException e) { throw new NotSupportedException($"'{Path}': {e.Message}", e); }
        if (info.Numel > Array.MaxLength)
            throw new NotSupportedException($"tensor '{name}' in '{Path}' has {info.Numel} elements, more than one array can hold ({Array.MaxLength}).");

        var t = Tensor.Empty(loadAs, info.Shape);
        int n = t.Numel;
        if (n == 0) return t;
        nint srcAddr = (nint)(_base + DataOffset + info.Begin);
        const int Chunk = 1 << 18;
        int chunks = (n + Chunk - 1) / Chunk;
        var stored = info.DType!.Value;
        Par.For(chunks, Chunk, (cs, ce) =>
        {
            byte* src = (byte*)srcAddr;
            for (int c = cs; c < ce; c++)
            {
                int start = c * Chunk, count = Math.Min(Chunk, n - start);
                switch (stored)
                {
                    case DType.F32: new ReadOnlySpan<float>(src + 4L * start, count).CopyTo(t.Data<float>().AsSpan(start, count)); break;
                    case DType.F64: new ReadOnlySpan<double>(src + 8L * start, count).CopyTo(t.Data<double>().AsSpan(start, count)); break;
                    case DType.I64: new ReadOnlySpan<long>(src + 8L * start, count).CopyTo(t.Data<long>().AsSpan(start, count)); break;
                    case DType.I32: new ReadOnlySpan<int>(src + 4L * start, count).CopyTo(t.Data<int>().AsSpan(start, count)); break;
                    case DType.BF16: HalfConvert.Bf16ToF32(new ReadOnlySpan<ushort>(src + 2L * start, count), t.Data<float>().AsSpan(start, count)); break;
                    case DType.F16: HalfConvert.F16ToF32(new ReadOnlySpan<Half>(src + 2L * start, count), t.Data<float>().AsSpan(start, count)); break;
                }
            }
        });
        return t;
    }

    /// <summary>The raw stored bytes of a tensor (valid until Dispose; do not keep the span).</summary>
    public ReadOnlySpan<byte> RawBytes(string name)
    {
        var info = Info(name);
        if (info.ByteLength > int.MaxValue) throw new NotSupportedException($"tensor '{name}' in '{Path}' is {info.ByteLength} bytes; a span holds at most {int.MaxValue}.");
        return new ReadOnlySpan<byte>(_base + DataOffset + info.Begin, (int)info.ByteLength);
    }

    /// <summary>Loads every tensor, in offset order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> LoadAll()
    {
        foreach (var n in Names) yield return (n, Load(n));
    }

    private string Suggest(string name)
    {
        var close = _header.NamesByOffset.Where(n => n.Contains(name, StringComparison.OrdinalIgnoreCase) || name.Contains(n, StringComparison.OrdinalIgnoreCase)).Take(3).ToArray();
        if (close.Length == 0) close = _header.NamesByOffset.Take(3).ToArray();
        return close.Length == 0 ? "" : $"; e.g. {string.Join(", ", close.Select(c => $"'{c}'"))}";
    }

    private void ThrowIfDisposed()
    {
        if (_base == null) throw new ObjectDisposedException(nameof(SafetensorsFile), $"'{Path}' was closed.");
    }

    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _stream.Dispose();
    }
}

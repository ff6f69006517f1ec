// Parses and validates a safetensors JSON header against the size of the data region that follows it.
// Validation follows the reference (Rust) implementation: tensors sorted by offset must tile the data
// region exactly (no overlaps, no gaps, no trailing bytes), and each byte range must equal numel × dtype size.
using System.Text;
using System.Text.Json;

namespace Interp.Tensors.IO;

/// <summary>Where one tensor lives in a safetensors file. Begin/End are byte offsets relative to the data region.</summary>
public sealed record SafetensorsTensorInfo(string Name, string StoredDType, int ElementSize, int[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long Numel
    {
        get { long n = 1; foreach (var d in Shape) n *= d; return n; }
    }

    /// <summary>The engine dtype of the bytes on disk, or null for a format dtype the engine cannot hold (U8, BOOL, F8_*, ...).</summary>
    public DType? DType => DTypeInfo.TryParseSafetensors(StoredDType, out var t) ? t : null;

    /// <summary>The dtype Load() returns: F16/BF16 widen to F32, the rest load as stored.</summary>
    public DType LoadsAs => DType switch
    {
        Tensors.DType.F16 or Tensors.DType.BF16 => Tensors.DType.F32,
        { } t => t,
        null => throw new NotSupportedException($"tensor '{Name}' is stored as {StoredDType}, which Interp.Tensors cannot hold (supported: F32, F64, F16, BF16, I64, I32)."),
    };
}

internal sealed class SafetensorsHeader
{
    /// <summary>The format's own cap on the header length (the reference rejects larger headers).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public required Dictionary<string, SafetensorsTensorInfo> Tensors { get; init; }
    public required string[] NamesByOffset { get; init; }
    public required Dictionary<string, string> Metadata { get; init; }

    // Element sizes of every dtype the format defines with a whole-byte size; the engine loads a subset.
    private static readonly Dictionary<string, int> FormatDTypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8, ["C64"] = 8,
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Parses <paramref name="header"/> and checks it against a data region of <paramref name="dataLength"/> bytes.
    /// A tensor name given twice is rejected (the reference has no explicit check for this). Like the reference,
    /// extra fields inside a tensor entry are ignored.
    /// </summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> header, long dataLength, string path)
    {
        try { StrictUtf8.GetCharCount(header); }
        catch (DecoderFallbackException) { throw Bad(path, null, "the header is not valid UTF-8 (is this a safetensors file?)."); }

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw Bad(path, null, $"the header is not valid JSON ({e.Message})", e); }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(path, null, $"the header must be a JSON object mapping tensor names to their info; found a JSON {root.ValueKind}.");

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            foreach (var prop in root.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (metadata is not null) throw Bad(path, null, "the header has two \"__metadata__\" entries.");
                    metadata = ParseMetadata(prop.Value, path);
                    continue;
                }
                if (tensors.ContainsKey(prop.Name)) throw Bad(path, prop.Name, "the header lists this tensor name twice.");
                tensors[prop.Name] = ParseTensor(prop.Name, prop.Value, path);
            }

            var sorted = tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End).ToArray();
            // Every tensor must lie inside the data region (checked first so a truncated file names the tensor it cuts).
            foreach (var t in sorted)
                if (t.End > dataLength)
                    throw Bad(path, t.Name, $"data_offsets [{t.Begin}, {t.End}] run past the end of the data region, which holds only {dataLength} bytes (the file is truncated or the offsets are wrong).");

            // The tensors must tile the data region exactly, as the reference implementation requires.
            long expected = 0;
            SafetensorsTensorInfo? prev = null;
            foreach (var t in sorted)
            {
                if (t.Begin < expected)
                    throw Bad(path, t.Name, $"data_offsets [{t.Begin}, {t.End}] overlap tensor '{prev!.Name}' at [{prev.Begin}, {prev.End}].");
                if (t.Begin > expected)
                    throw Bad(path, t.Name, $"data_offsets [{t.Begin}, {t.End}] leave a gap of {t.Begin - expected} unused bytes before it (after byte {expected}); the format requires tensors to cover the data region contiguously.");
                expected = t.End;
                prev = t;
            }
            if (expected != dataLength)
                throw Bad(path, null, $"the tensors cover {expected} bytes of data but {dataLength} bytes follow the header ({dataLength - expected} trailing bytes); the format requires the last tensor to end at the end of the file.");

            return new SafetensorsHeader
            {
                Tensors = tensors,
                NamesByOffset = sorted.Select(t => t.Name).ToArray(),
                Metadata = metadata ?? new Dictionary<string, string>(StringComparer.Ordinal),
            };
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw Bad(path, null, $"\"__metadata__\" must be an object of string values; found a JSON {e.ValueKind}.");
        var m = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, null, $"\"__metadata__\" entry \"{p.Name}\" must be a string; found {p.Value.GetRawText()}.");
            m[p.Name] = p.Value.GetString()!;
        }
        return m;
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw Bad(path, name, $"the entry must be an object with dtype, shape and data_offsets; found {Abbrev(e)}.");

        if (!e.TryGetProperty("dtype", out var dt)) throw Bad(path, name, "the entry has no \"dtype\" field.");
        if (dt.ValueKind != JsonValueKind.String) throw Bad(path, name, $"\"dtype\" must be a string such as \"F32\"; found {Abbrev(dt)}.");
        string dtype = dt.GetString()!;
        if (!FormatDTypeSizes.TryGetValue(dtype, out int elemSize))
            throw Bad(path, name, $"unknown or unsupported dtype \"{dtype}\" (known: {string.Join(", ", FormatDTypeSizes.Keys)}).");

        if (!e.TryGetProperty("shape", out var sh)) throw Bad(path, name, "the entry has no \"shape\" field.");
        if (sh.ValueKind != JsonValueKind.Array) throw Bad(path, name, $"\"shape\" must be an array of non-negative integers; found {Abbrev(sh)}.");
        var shape = new int[sh.GetArrayLength()];
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v))
                throw Bad(path, name, $"shape entry {k} must be an integer; found {Abbrev(d)}.");
            if (v < 0) throw Bad(path, name, $"shape entry {k} is negative ({v}).");
            if (v > int.MaxValue) throw Bad(path, name, $"shape entry {k} ({v}) exceeds {int.MaxValue}, the largest dimension this engine supports.");
            shape[k++] = (int)v;
        }

        if (!e.TryGetProperty("data_offsets", out var off)) throw Bad(path, name, "the entry has no \"data_offsets\" field.");
        if (off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad(path, name, $"\"data_offsets\" must be an array [begin, end]; found {Abbrev(off)}.");
        long begin = Offset(off[0], "begin", name, path), end = Offset(off[1], "end", name, path);
        if (begin > end) throw Bad(path, name, $"data_offsets [{begin}, {end}] have begin > end.");

        // numel × size with overflow checks (a crafted shape must not wrap around to a matching length).
        long bytes = elemSize;
        foreach (var d in shape)
        {
            if (d != 0 && bytes > long.MaxValue / d)
                throw Bad(path, name, $"shape [{ShapeUtil.Str(shape)}] × {elemSize} bytes overflows a 64-bit byte count.");
            bytes *= d;
        }
        if (bytes != end - begin)
            throw Bad(path, name, $"shape [{ShapeUtil.Str(shape)}] of {dtype} needs {bytes} bytes but data_offsets [{begin}, {end}] span {end - begin}.");
        return new SafetensorsTensorInfo(name, dtype, elemSize, shape, begin, end);
    }

    private static long Offset(JsonElement v, string which, string name, string path)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long x))
            throw Bad(path, name, $"data_offsets {which} must be an integer; found {Abbrev(v)}.");
        if (x < 0) throw Bad(path, name, $"data_offsets {which} is negative ({x}).");
        return x;
    }

    private static string Abbrev(JsonElement e)
    {
        var s = e.GetRawText();
        return s.Length <= 60 ? s : s[..57] + "...";
    }

    internal static SafetensorsException Bad(string path, string? tensor, string detail, Exception? inner = null) =>
        new(path, tensor, detail, inner);
}

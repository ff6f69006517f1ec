// Malformed safetensors files, crafted byte by byte: each must raise SafetensorsException whose message
// names the file (and the tensor where one is at fault) and says what is wrong. Plus a fuzz pass:
// truncations and byte flips of a valid file must never escape as any other exception.
using Interp.Tensors.IO;

namespace Interp.Tensors.Tests.IO;

public class SafetensorsMalformedTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private const string A8 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    public static TheoryData<string, string, int, string?, string> BadHeaders => new()
    {
        // case, header JSON, bytes of data after the header, tensor named in the message (or null), message fragment
        { "not-json", "{\"a\": ", 0, null, "not valid JSON" },
        { "trailing-garbage", "{" + A8 + "} x", 8, null, "not valid JSON" },
        { "array-root", "[1, 2]", 0, null, "must be a JSON object" },
        { "string-root", "\"hello\"", 0, null, "must be a JSON object" },
        { "entry-not-object", "{\"a\": 5}", 0, "a", "must be an object" },
        { "missing-dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "no \"dtype\"" },
        { "missing-shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "a", "no \"shape\"" },
        { "missing-offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "a", "no \"data_offsets\"" },
        { "dtype-not-string", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "\"dtype\" must be a string" },
        { "unknown-dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "a", "unknown or unsupported dtype \"F33\"" },
        { "shape-not-array", "{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "a", "\"shape\" must be an array" },
        { "negative-dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "a", "negative" },
        { "fractional-dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "a", "must be an integer" },
        { "dim-too-large", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,0],\"data_offsets\":[0,0]}}", 0, "a", "exceeds" },
        { "shape-overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8, "a", "overflows" },
        { "offsets-arity", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "a", "must be an array [begin, end]" },
        { "offsets-negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8, "a", "negative" },
        { "offsets-fractional", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8, "a", "must be an integer" },
        { "begin-after-end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "a", "begin > end" },
        { "size-mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "a", "needs 12 bytes" },
        { "offsets-past-end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "a", "run past the end" },
        { "data-truncated", "{" + A8 + "}", 5, "a", "run past the end" },
        { "overlap", "{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "overlap tensor 'a'" },
        { "gap", "{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20, "b", "gap of 4" },
        { "not-from-zero", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "a", "gap of 4" },
        { "trailing-bytes", "{" + A8 + "}", 12, null, "4 trailing bytes" },
        { "duplicate-name", "{" + A8 + "," + A8 + "}", 8, "a", "twice" },
        { "metadata-not-object", "{\"__metadata__\":[1]," + A8 + "}", 8, null, "\"__metadata__\" must be an object" },
        { "metadata-not-string", "{\"__metadata__\":{\"epoch\":3}," + A8 + "}", 8, null, "\"epoch\" must be a string" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Open_MalformedHeader_ThrowsNamingFileAndTensor(string caseName, string header, int dataBytes, string? tensor, string fragment)
    {
        string p = _dir.Craft($"{caseName}.safetensors", header, new byte[dataBytes]);
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(p));
        AssertNames(ex, p, tensor, fragment);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void Open_FileShorterThanLengthPrefix_Throws(int length)
    {
        string p = _dir.File($"short{length}.safetensors");
        File.WriteAllBytes(p, new byte[length]);
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(p));
        AssertNames(ex, p, null, "shorter than the 8-byte");
    }

    [Fact]
    public void Open_HeaderLengthPastEndOfFile_Throws()
    {
        string p = _dir.Craft("hlen.safetensors", "{" + A8 + "}", new byte[8], lengthPrefix: 1000);
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(p));
        AssertNames(ex, p, null, "says 1000 bytes but only");
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(100_000_001UL)]
    public void Open_HeaderLengthOverFormatLimit_Throws(ulong prefix)
    {
        string p = _dir.Craft("huge.safetensors", "{}", null, lengthPrefix: prefix);
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(p));
        AssertNames(ex, p, null, "limit");
    }

    [Fact]
    public void Open_HeaderNotUtf8_Throws()
    {
        string p = _dir.CraftBytes("utf.safetensors", new byte[] { (byte)'{', 0xFF, 0xFE, (byte)'}' });
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(p));
        AssertNames(ex, p, null, "not valid UTF-8");
    }

    [Fact]
    public void Open_UnsupportedFormatDType_OpensButLoadThrowsNotSupported()
    {
        // U8 is a valid format dtype the engine cannot hold: the file validates, other tensors load.
        string p = _dir.Craft("u8.safetensors", "{\"m\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}," +
            "\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[3,7]}}", new byte[] { 1, 2, 3, 7, 0, 0, 0 });
        using var f = SafetensorsFile.Open(p);
        Assert.Equal(new[] { 7 }, f.Load("a").ToArray<int>());
        Assert.Null(f.Info("m").DType);
        var ex = Assert.Throws<NotSupportedException>(() => f.Load("m"));
        Assert.Contains("u8.safetensors", ex.Message);
        Assert.Contains("'m'", ex.Message);
    }

    [Fact]
    public void Open_TruncatedAtEveryLengthOrBytesFlipped_OnlySafetensorsExceptionEscapes()
    {
        string good = _dir.File("good.safetensors");
        SafetensorsWriter.Write(good, new[]
        {
            ("w", Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3)),
            ("ids", Tensor.FromArray(new long[] { 3, 1 })),
        }, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(good);
        string p = _dir.File("fuzz.safetensors");
        for (int len = 0; len < bytes.Length; len++)
        {
            File.WriteAllBytes(p, bytes[..len]);
            Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(p).Dispose());
        }
        var rng = new System.Random(5);
        int opened = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            var b = (byte[])bytes.Clone();
            int flips = 1 + rng.Next(3);
            for (int k = 0; k < flips; k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
            File.WriteAllBytes(p, b);
            try
            {
                using var f = SafetensorsFile.Open(p);
                foreach (var n in f.Names)
                    try { f.Load(n).Dispose(); } catch (NotSupportedException) { } // a flipped dtype may name e.g. U8
                opened++;
            }
            catch (SafetensorsException) { }
        }
        Assert.InRange(opened, 1, 299); // some flips land in data (still valid), most break the header
    }

    private static void AssertNames(SafetensorsException ex, string path, string? tensor, string fragment)
    {
        Assert.Equal(Path.GetFullPath(path), ex.FilePath);
        Assert.Contains(Path.GetFileName(path), ex.Message);
        Assert.Equal(tensor, ex.TensorName);
        if (tensor is not null) Assert.Contains($"'{tensor}'", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }
}

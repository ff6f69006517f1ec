// Writing then reading safetensors files: every dtype, metadata, layout details that must match the
// reference implementation byte for byte, F16/BF16 narrowing (exact where representable, round to
// nearest even elsewhere), and the atomic-write guarantee.
using Interp.Tensors.IO;

namespace Interp.Tensors.Tests.IO;

public class SafetensorsRoundTripTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WriteThenLoad_EveryDType_ValuesShapesAndMetadataSurvive()
    {
        var f32 = Tensor.FromArray(new float[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, -0f, float.PositiveInfinity }, 2, 3);
        var f64 = Tensor.FromArray(new double[] { Math.PI, -1e-300, 1e300 }, 3);
        var i64 = Tensor.FromArray(new long[] { long.MinValue, -1, 0, long.MaxValue }, 2, 2);
        var i32 = Tensor.FromArray(new int[] { int.MinValue, 7, int.MaxValue }, 3, 1);
        var scalar = Tensor.ScalarOf(42.0f);
        var empty = Tensor.Zeros(DType.F32, 0, 3);
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        string p = _dir.File("all.safetensors");
        SafetensorsWriter.Write(p, new[] { ("f32", f32), ("f64", f64), ("i64", i64), ("i32", i32), ("scalar", scalar), ("empty", empty) }, meta);

        using var f = SafetensorsFile.Open(p);
        Assert.Equal(6, f.Names.Count);
        Assert.Equal(meta, f.Metadata);
        AssertSame(f32, f.Load("f32"));
        AssertSame(f64, f.Load("f64"));
        AssertSame(i64, f.Load("i64"));
        AssertSame(i32, f.Load("i32"));
        AssertSame(scalar, f.Load("scalar"));
        AssertSame(empty, f.Load("empty"));
        var info = f.Info("i32");
        Assert.Equal("I32", info.StoredDType);
        Assert.Equal(new[] { 3, 1 }, info.Shape);
        Assert.Equal(12, info.ByteLength);
    }

    [Fact]
    public void Write_NonContiguousInput_StoresLogicalRowMajorOrder()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var t = a.Transpose(0, 1); // [3, 2]: 1 4 / 2 5 / 3 6
        string p = _dir.File("t.safetensors");
        SafetensorsWriter.Write(p, new[] { ("t", t) });
        using var f = SafetensorsFile.Open(p);
        var loaded = f.Load("t");
        Assert.Equal(new[] { 3, 2 }, loaded.Shape);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, loaded.ToArray());
    }

    [Fact]
    public void Write_ReferenceExamples_ByteIdenticalLayout()
    {
        // The reference implementation's own serialization tests: 64-byte header needs no padding,
        // the 65-byte one gets 7 spaces, and the data follows directly.
        var data = Tensor.FromArray(new float[] { 0, 1, 2, 3, 4, 5 }, 1, 2, 3);
        string p1 = _dir.File("ref1.safetensors");
        SafetensorsWriter.Write(p1, new[] { ("attn.0", data) });
        var b1 = File.ReadAllBytes(p1);
        Assert.Equal(64UL, BitConverter.ToUInt64(b1, 0));
        Assert.Equal("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", System.Text.Encoding.UTF8.GetString(b1, 8, 64));
        Assert.Equal(8 + 64 + 24, b1.Length);

        using var d4 = data.Reshape(1, 1, 2, 3);
        string p2 = _dir.File("ref2.safetensors");
        SafetensorsWriter.Write(p2, new[] { ("attn0", d4) });
        var b2 = File.ReadAllBytes(p2);
        Assert.Equal(72UL, BitConverter.ToUInt64(b2, 0));
        Assert.Equal("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", System.Text.Encoding.UTF8.GetString(b2, 8, 72));
        Assert.Equal(new byte[] { 0, 0, 128, 63 }, b2[(8 + 72 + 4)..(8 + 72 + 8)]); // 1.0f little-endian
    }

    [Fact]
    public void Write_MixedDTypes_SortedByElementSizeThenName()
    {
        string p = _dir.File("order.safetensors");
        SafetensorsWriter.Write(p, new[]
        {
            ("b", Tensor.Zeros(DType.I32, 2)), ("a", Tensor.Zeros(DType.I32, 1)),
            ("z", Tensor.Zeros(DType.F64, 1)), ("h", Tensor.Zeros(DType.F32, 3)),
        }, storeAs: DType.BF16);
        using var f = SafetensorsFile.Open(p);
        Assert.Equal(new[] { "z", "a", "b", "h" }, f.Names); // 8-byte, then 4-byte (a, b), then the BF16 one
        Assert.Equal("BF16", f.Info("h").StoredDType);
        Assert.Equal("I32", f.Info("a").StoredDType); // storeAs only narrows F32
        Assert.Equal(0, (8 + BitConverter.ToInt64(File.ReadAllBytes(p), 0)) % 8);
    }

    [Fact]
    public void StoreAsBf16_RepresentableValues_RoundTripExactly()
    {
        var vals = new float[] { 0f, -0f, 1f, -2f, 0.5f, 3.140625f, 65536f, -1.17549435e-38f, float.PositiveInfinity, float.NegativeInfinity, 1.0078125f };
        Assert.All(vals, v => Assert.Equal(0u, BitConverter.SingleToUInt32Bits(v) & 0xFFFF)); // precondition: representable
        var back = RoundTrip(vals, DType.BF16);
        Assert.Equal(vals.Select(BitConverter.SingleToUInt32Bits), back.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void StoreAsBf16_NonRepresentable_RoundsToNearestEven()
    {
        uint[] input =    { 0x3F808000, 0x3F818000, 0x3F808001, 0x3F80FFFF, 0xBF817FFF, 0x7F7FFFFF, 0x00008000 };
        ushort[] expect = { 0x3F80,     0x3F82,     0x3F81,     0x3F81,     0xBF81,     0x7F80,     0x0000 };
        // tie->even(down), tie->even(up), just above tie, just below next, negative below tie, max float->inf, tiny tie->0
        var back = RoundTrip(input.Select(BitConverter.UInt32BitsToSingle).ToArray(), DType.BF16);
        for (int i = 0; i < input.Length; i++)
            Assert.Equal((uint)expect[i] << 16, BitConverter.SingleToUInt32Bits(back[i]));
        var nan = RoundTrip(new[] { float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001) }, DType.BF16);
        Assert.All(nan, x => Assert.True(float.IsNaN(x)));
    }

    [Fact]
    public void StoreAsF16_RepresentableValues_RoundTripExactly()
    {
        var vals = new float[] { 0f, -0f, 1f, -2f, 0.5f, 65504f, -65504f, 6.1035156e-05f, 5.9604645e-08f, 1.0009765625f, float.PositiveInfinity };
        Assert.Equal(vals, RoundTrip(vals, DType.F16));
    }

    [Fact]
    public void StoreAsF16_NonRepresentable_RoundsToNearestEven()
    {
        float ulp1 = MathF.Pow(2, -10); // spacing of float16 just above 1
        var input = new float[] { 1 + ulp1 / 2, 1 + 3 * ulp1 / 2, 1 + ulp1 / 2 + 1e-6f, 65519f, 65520f, 1e-8f, 3e-8f, 0.1f };
        var expect = new float[] { 1f, 1 + 2 * ulp1, 1 + ulp1, 65504f, float.PositiveInfinity, 0f, 5.9604645e-08f, 0.0999755859375f };
        Assert.Equal(expect, RoundTrip(input, DType.F16));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(67)]
    [InlineData(1000)]
    public void HalfConvert_VectorPathsAndTails_MatchScalarReference(int n)
    {
        var rng = new System.Random(n);
        var bits = new uint[n];
        for (int i = 0; i < n; i++) bits[i] = (uint)rng.NextInt64(0, 1L << 32);
        bits[0] = 0x7FC01234; // a NaN with payload
        var x = bits.Select(BitConverter.UInt32BitsToSingle).ToArray();

        var bf = new ushort[n];
        HalfConvert.F32ToBf16(x, bf);
        for (int i = 0; i < n; i++) Assert.Equal(HalfConvert.RoundBf16(bits[i]), bf[i]);
        var wide = new float[n];
        HalfConvert.Bf16ToF32(bf, wide);
        for (int i = 0; i < n; i++) Assert.Equal((uint)bf[i] << 16, BitConverter.SingleToUInt32Bits(wide[i]));

        var h = new Half[n];
        HalfConvert.F32ToF16(x, h);
        for (int i = 0; i < n; i++)
        {
            var expect = (Half)x[i];
            Assert.True(Half.IsNaN(expect) ? Half.IsNaN(h[i]) : BitConverter.HalfToUInt16Bits(expect) == BitConverter.HalfToUInt16Bits(h[i]), $"element {i}");
        }
    }

    [Fact]
    public void Write_FailureMidFile_LeavesPreviousFileIntactAndNoTempFiles()
    {
        string p = _dir.File("ckpt.safetensors");
        SafetensorsWriter.Write(p, new[] { ("w", Tensor.FromArray(new float[] { 1, 2, 3 })) });
        var gone = Tensor.FromArray(new float[] { 9, 9 });
        gone.Dispose(); // writing its data will throw after the header is already out
        Assert.ThrowsAny<ObjectDisposedException>(() =>
            SafetensorsWriter.Write(p, new[] { ("a", Tensor.FromArray(new float[] { 5 })), ("w", gone) }));
        using var f = SafetensorsFile.Open(p);
        Assert.Equal(new float[] { 1, 2, 3 }, f.Load("w").ToArray());
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_BadArguments_ThrowClearly()
    {
        string p = _dir.File("bad.safetensors");
        var t = Tensor.Zeros(2);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(p, new[] { ("x", t), ("x", t) })).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(p, new[] { ("__metadata__", t) })).Message);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(p, new[] { ("x", t) }, storeAs: DType.I64));
        Assert.False(File.Exists(p));
    }

    [Fact]
    public void Load_UnknownName_ThrowsKeyNotFoundNamingTensorAndFile()
    {
        string p = _dir.File("k.safetensors");
        SafetensorsWriter.Write(p, new[] { ("blocks.0.attn.W_Q", Tensor.Zeros(2)) });
        using var f = SafetensorsFile.Open(p);
        Assert.True(f.Contains("blocks.0.attn.W_Q"));
        Assert.False(f.Contains("W_Q"));
        var ex = Assert.Throws<KeyNotFoundException>(() => f.Load("W_Q"));
        Assert.Contains("'W_Q'", ex.Message);
        Assert.Contains("k.safetensors", ex.Message);
        Assert.Contains("blocks.0.attn.W_Q", ex.Message); // suggestion
    }

    [Fact]
    public void Load_AfterDispose_Throws()
    {
        string p = _dir.File("d.safetensors");
        SafetensorsWriter.Write(p, new[] { ("x", Tensor.Zeros(2)) });
        var f = SafetensorsFile.Open(p);
        f.Dispose();
        f.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => f.Load("x"));
    }

    private float[] RoundTrip(float[] values, DType storeAs)
    {
        string p = _dir.File($"rt-{Guid.NewGuid():N}.safetensors");
        SafetensorsWriter.Write(p, new[] { ("x", Tensor.FromArray(values)) }, storeAs: storeAs);
        using var f = SafetensorsFile.Open(p);
        Assert.Equal(DTypeInfo.SafetensorsName(storeAs), f.Info("x").StoredDType);
        var t = f.Load("x");
        Assert.Equal(DType.F32, t.DType);
        return t.ToArray();
    }

    private static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        switch (expected.DType)
        {
            case DType.F32: Assert.Equal(expected.ToArray<float>().Select(BitConverter.SingleToInt32Bits), actual.ToArray<float>().Select(BitConverter.SingleToInt32Bits)); break;
            case DType.F64: Assert.Equal(expected.ToArray<double>(), actual.ToArray<double>()); break;
            case DType.I64: Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>()); break;
            case DType.I32: Assert.Equal(expected.ToArray<int>(), actual.ToArray<int>()); break;
        }
    }
}

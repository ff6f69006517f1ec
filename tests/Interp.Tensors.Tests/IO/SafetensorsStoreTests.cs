// SafetensorsStore over single files and sharded checkpoints (two shards + a hand-written
// model.safetensors.index.json): lookups, lazy shard opening, and malformed indexes.
using Interp.Tensors.IO;

namespace Interp.Tensors.Tests.IO;

public class SafetensorsStoreTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private const string Shard1 = "model-00001-of-00002.safetensors";
    private const string Shard2 = "model-00002-of-00002.safetensors";

    private void WriteShardedCheckpoint(string weightMapExtra = "")
    {
        SafetensorsWriter.Write(_dir.File(Shard1), new[]
        {
            ("embed.W_E", Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2)),
            ("blocks.0.ln.w", Tensor.FromArray(new float[] { 0.5f, 0.25f })),
        });
        SafetensorsWriter.Write(_dir.File(Shard2), new[]
        {
            ("blocks.1.ln.w", Tensor.FromArray(new double[] { -1, 1 })),
            ("positions", Tensor.FromArray(new long[] { 0, 1, 2 })),
        }, storeAs: DType.BF16);
        File.WriteAllText(_dir.File(SafetensorsStore.IndexFileName), $$"""
            {
              "metadata": {"total_size": 56, "format": "pt"},
              "weight_map": {
                "embed.W_E": "{{Shard1}}",
                "blocks.0.ln.w": "{{Shard1}}",
                "blocks.1.ln.w": "{{Shard2}}",
                "positions": "{{Shard2}}"{{weightMapExtra}}
              }
            }
            """);
    }

    [Fact]
    public void Open_ShardedDirectoryOrIndexPath_LoadsEveryTensorFromItsShard()
    {
        WriteShardedCheckpoint();
        foreach (var path in new[] { _dir.Path, _dir.File(SafetensorsStore.IndexFileName) })
        {
            using var s = SafetensorsStore.Open(path);
            Assert.True(s.IsSharded);
            Assert.Equal(new[] { "embed.W_E", "blocks.0.ln.w", "blocks.1.ln.w", "positions" }, s.Names);
            Assert.Equal("56", s.Metadata["total_size"]);
            Assert.Equal("pt", s.Metadata["format"]);
            Assert.Equal(2, s.ShardFiles.Count);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, s.Load("embed.W_E").ToArray());
            Assert.Equal(new[] { 2, 2 }, s.Info("embed.W_E").Shape);
            Assert.Equal(new double[] { -1, 1 }, s.Load("blocks.1.ln.w").ToArray<double>()); // F64 is never narrowed
            Assert.Equal(new long[] { 0, 1, 2 }, s.Load("positions").ToArray<long>());
            Assert.EndsWith(Shard2, s.ShardOf("positions"));
            Assert.True(s.Contains("blocks.0.ln.w"));
            Assert.False(s.Contains("nope"));
            Assert.Throws<KeyNotFoundException>(() => s.Load("nope"));
        }
    }

    [Fact]
    public void Open_Sharded_OpensShardsLazily()
    {
        WriteShardedCheckpoint();
        File.WriteAllBytes(_dir.File(Shard2), new byte[] { 1, 2, 3 }); // corrupt, but untouched until needed
        using var s = SafetensorsStore.Open(_dir.Path);
        Assert.Equal(new float[] { 0.5f, 0.25f }, s.Load("blocks.0.ln.w").ToArray());
        var ex = Assert.Throws<SafetensorsException>(() => s.Load("positions"));
        Assert.Contains(Shard2, ex.Message);
    }

    [Fact]
    public void Open_SingleFileOrItsDirectory_BehavesLikeTheFile()
    {
        string p = _dir.File(SafetensorsStore.SingleFileName);
        SafetensorsWriter.Write(p, new[] { ("x", Tensor.FromArray(new float[] { 7, 8 })) }, new Dictionary<string, string> { ["m"] = "1" });
        foreach (var path in new[] { p, _dir.Path })
        {
            using var s = SafetensorsStore.Open(path);
            Assert.False(s.IsSharded);
            Assert.Equal(new[] { "x" }, s.Names);
            Assert.Equal("1", s.Metadata["m"]);
            Assert.Equal(new float[] { 7, 8 }, s.Load("x").ToArray());
        }
    }

    [Fact]
    public void Open_DirectoryWithoutCheckpoint_ThrowsFileNotFound()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsStore.Open(_dir.Path));
        Assert.Contains(SafetensorsStore.IndexFileName, ex.Message);
    }

    [Fact]
    public void Open_IndexNamesMissingShard_ThrowsNamingIndexTensorAndShard()
    {
        WriteShardedCheckpoint(",\n \"lm_head.W_U\": \"model-00003-of-00002.safetensors\"");
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsStore.Open(_dir.Path));
        Assert.Contains(SafetensorsStore.IndexFileName, ex.Message);
        Assert.Equal("lm_head.W_U", ex.TensorName);
        Assert.Contains("model-00003-of-00002.safetensors", ex.Message);
    }

    [Fact]
    public void Load_TensorAbsentFromItsShard_ThrowsNamingIndexAndTensor()
    {
        WriteShardedCheckpoint($",\n \"ghost\": \"{Shard1}\"");
        using var s = SafetensorsStore.Open(_dir.Path);
        var ex = Assert.Throws<SafetensorsException>(() => s.Load("ghost"));
        Assert.Contains(SafetensorsStore.IndexFileName, ex.Message);
        Assert.Contains("'ghost'", ex.Message);
        Assert.Contains(Shard1, ex.Message);
    }

    [Theory]
    [InlineData("not json", null, "not valid JSON")]
    [InlineData("[]", null, "must be a JSON object")]
    [InlineData("{\"metadata\": {}}", null, "no \"weight_map\"")]
    [InlineData("{\"weight_map\": [1]}", null, "\"weight_map\" must be an object")]
    [InlineData("{\"weight_map\": {\"w\": 3}}", "w", "must be a shard file name")]
    [InlineData("{\"weight_map\": {\"w\": \"../outside.safetensors\"}}", "w", "plain file name")]
    [InlineData("{\"weight_map\": {\"w\": \"/abs/x.safetensors\"}}", "w", "plain file name")]
    [InlineData("{\"metadata\": 5, \"weight_map\": {}}", null, "\"metadata\" must be an object")]
    public void Open_MalformedIndex_ThrowsNamingIndex(string json, string? tensor, string fragment)
    {
        string p = _dir.File("bad.safetensors.index.json");
        File.WriteAllText(p, json);
        var ex = Assert.Throws<SafetensorsException>(() => SafetensorsStore.Open(p));
        Assert.Contains("bad.safetensors.index.json", ex.Message);
        Assert.Equal(tensor, ex.TensorName);
        Assert.Contains(fragment, ex.Message);
    }
}

// Finalize's settings that must not change results (a memory budget so small that every feature gets its own pass over
// the contexts, any commit chunk), re-finalizing without the model (LatentCacheBuilder.Finalize), the context-level reads
// and the identity check the labeling run uses, and `cache export`'s NumPy files, all against the brute-force scan.
using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Interp.Dictionaries.Cache;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class LatentCacheFinalizeTests : IDisposable
{
    private readonly CacheTestData _d = new();
    private const int N = CacheTestData.Contexts, T = CacheTestData.ContextLength;

    public void Dispose() => _d.Dispose();

    [Fact]
    public void Finalize_TinyMemoryBudget_SameRowsAsOnePass()
    {
        string one = _d.Tmp.File("one.db"), many = _d.Tmp.File("many.db");
        _d.Build(one);
        int passes = 0;
        _d.Build(many, CacheTestData.Options() with { FinalizeMemory = 64, FinalizeChunk = 3 }, e => { if (e.Stage == CacheStage.FeaturesCommitted) passes++; });
        Assert.True(passes >= CacheTestData.DSae / 3, $"{passes} commits");
        Assert.Equal(CacheTestData.Dump(one), CacheTestData.Dump(many));
    }

    [Fact]
    public void FinalizeWithoutModel_OtherSettings_EqualsABuildWithThem()
    {
        string path = _d.Tmp.File("c.db"), direct = _d.Tmp.File("direct.db");
        _d.Build(path);
        var other = CacheTestData.Options() with { TopK = 3, Quantiles = 2, Window = 4, Seed = 77, HistogramBins = 5 };
        LatentCacheBuilder.Finalize(path, other);
        _d.Build(direct, other);
        Assert.Equal(CacheTestData.Dump(direct), CacheTestData.Dump(path));
        LatentCacheBuilder.Finalize(path, other);                            // same settings again: nothing changes
        Assert.Equal(CacheTestData.Dump(direct), CacheTestData.Dump(path));
    }

    [Fact]
    public void FinalizeWithoutModel_UnfinishedOrMissingCache_RefusedWithoutCreatingAFile()
    {
        string cut = _d.Tmp.File("cut.db"), missing = _d.Tmp.File("missing.db");
        Assert.ThrowsAny<Exception>(() => _d.Build(cut, progress: e => { if (e.Stage == CacheStage.BatchCommitted) throw new OperationCanceledException(); }));
        var e = Assert.Throws<InvalidDataException>(() => LatentCacheBuilder.Finalize(cut, CacheTestData.Options()));
        Assert.Contains("has not stored its whole corpus yet (4 contexts)", e.Message);
        Assert.Throws<FileNotFoundException>(() => LatentCacheBuilder.Finalize(missing, CacheTestData.Options()));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void ContextActivations_EqualBruteForce()
    {
        string path = _d.Tmp.File("c.db");
        _d.Build(path);
        var acts = _d.BruteForce(CacheTestData.Options().BatchSize);
        using var cache = LatentCache.Open(path);
        for (int c = 0; c < N; c++)
        {
            var a = cache.ContextActivations(c);
            var want = new List<(int, int, float)>();
            for (int p = 0; p < T; p++)
                for (int f = 0; f < CacheTestData.DSae; f++)
                    if (acts[c][p][f] != 0) want.Add((p, f, acts[c][p][f]));
            Assert.Equal(c, a.ContextId);
            Assert.Equal(want, a.Positions.Select((p, i) => (p, a.Features[i], a.Values[i])));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.ContextActivations(N));
    }

    [Fact]
    public void ContextReads_DamagedRow_ClearErrorNotZeros()
    {
        string path = _d.Tmp.File("c.db");
        _d.Build(path);
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE contexts SET data = substr(data, 1, 100) || x'7f' || substr(data, 102) WHERE id = 3";
            cmd.ExecuteNonQuery();
            cmd.CommandText = "UPDATE contexts SET data = CAST(data AS BLOB) WHERE id = 3";
            cmd.ExecuteNonQuery();
        }
        using var cache = LatentCache.Open(path);
        foreach (var read in new Action[] { () => cache.FeatureActivations(CacheTestData.DenseFeature, 3), () => cache.ContextTokens(3), () => cache.ContextActivations(3) })
        {
            var e = Assert.Throws<InvalidDataException>(read);
            Assert.Contains($"the latent cache '{path}' has a damaged row for context 3: checksum mismatch", e.Message);
        }
        Assert.Equal(T, cache.FeatureActivations(CacheTestData.DenseFeature, 4).Count(v => v != 0));   // the others still read
    }

    [Fact]
    public void CheckInputs_SameInputsPass_OtherSaeRefused()
    {
        string path = _d.Tmp.File("c.db");
        _d.Build(path);
        using var cache = LatentCache.Open(path);
        cache.CheckInputs(_d.Inputs);
        using var other = new CacheTestData(seed: 12);
        var e = Assert.Throws<InvalidDataException>(() => cache.CheckInputs(other.Inputs));
        Assert.Contains($"the latent cache '{cache.Info.Path}' was built from another SAE ('{_d.Inputs.Sae}'", e.Message);
        Assert.Contains($"not '{other.Inputs.Sae}'", e.Message);
    }

    [Fact]
    public void Export_NpyFilesHoldEveryActivationAndToken()
    {
        string path = _d.Tmp.File("c.db"), dir = _d.Tmp.File("npy");
        _d.Build(path);
        using var cache = LatentCache.Open(path);
        long n = CacheExport.WriteNpy(cache, dir);
        Assert.Equal(cache.Info.Activations, n);
        var (ctxShape, ctx) = ReadNpy(Path.Combine(dir, "context.npy"), "<i4");
        var (_, pos) = ReadNpy(Path.Combine(dir, "position.npy"), "<i4");
        var (_, feat) = ReadNpy(Path.Combine(dir, "feature.npy"), "<u2");
        var (_, val) = ReadNpy(Path.Combine(dir, "value.npy"), "<f4");
        var (tokShape, tok) = ReadNpy(Path.Combine(dir, "tokens.npy"), "<i4");
        Assert.Equal(new[] { n }, ctxShape);
        Assert.Equal(new long[] { N, T }, tokShape);
        int i = 0;
        for (int c = 0; c < N; c++)
        {
            Assert.Equal(_d.ContextIds[c].Select(x => (int)x), Enumerable.Range(0, T).Select(p => BinaryPrimitives.ReadInt32LittleEndian(tok.AsSpan((c * T + p) * 4))));
            var a = cache.ContextActivations(c);
            for (int k = 0; k < a.Values.Length; k++, i++)
            {
                Assert.Equal(c, BinaryPrimitives.ReadInt32LittleEndian(ctx.AsSpan(i * 4)));
                Assert.Equal(a.Positions[k], BinaryPrimitives.ReadInt32LittleEndian(pos.AsSpan(i * 4)));
                Assert.Equal(a.Features[k], BinaryPrimitives.ReadUInt16LittleEndian(feat.AsSpan(i * 2)));
                Assert.Equal(a.Values[k], BinaryPrimitives.ReadSingleLittleEndian(val.AsSpan(i * 4)));
            }
        }
        Assert.Equal(n, i);
    }

    /// <summary>Reads an .npy file (format 1.0): checks the magic, dtype and C order, returns the shape and the data bytes.</summary>
    private static (long[] shape, byte[] data) ReadNpy(string path, string descr)
    {
        var b = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, b[..8]);
        int len = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8));
        Assert.Equal(0, (10 + len) % 64);
        string header = Encoding.ASCII.GetString(b, 10, len);
        Assert.EndsWith("\n", header);
        Assert.Contains($"'descr': '{descr}'", header);
        Assert.Contains("'fortran_order': False", header);
        var shape = Regex.Match(header, @"'shape': \(([^)]*)\)").Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse).ToArray();
        var data = b[(10 + len)..];
        Assert.Equal(shape.Aggregate(1L, (x, y) => x * y) * (descr == "<u2" ? 2 : 4), data.Length);
        return (shape, data);
    }
}

// The activation pipeline: contexts cut from a corpus by hand (BOS, separators, wrap-around, gzip, skipping to a
// position), the shuffling buffer (bounded, every row served once, seeded, resumable), and the model source's rows
// equal to the hook's activations from a plain forward pass.
using System.IO.Compression;
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Training;

public sealed class ActivationPipelineTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private string Ids(string text, string name = "ids.txt") { var p = _tmp.File(name); File.WriteAllText(p, text); return p; }

    private static long[][] Take(ContextStream s, int n)
    {
        var r = new long[n][];
        for (int i = 0; i < n; i++) { r[i] = new long[s.ContextSize]; s.Next(r[i]); }
        return r;
    }

    [Fact]
    public void ContextStream_BosAndSeparator_CutsContextsByHand()
    {
        using var s = new ContextStream(Ids("5 6 7\n8 9\n\n10 11 12 13\n"), null, 4, bosId: 1, separatorId: 2);
        // stream 5 6 7 | 2 8 9 | 2 10 11 12 13, each context opened by BOS; the unfinished [1 13] is dropped at the end
        Assert.Equal(new[] { new long[] { 1, 5, 6, 7 }, new long[] { 1, 2, 8, 9 }, new long[] { 1, 2, 10, 11 }, new long[] { 1, 5, 6, 7 } }, Take(s, 4));
        Assert.Equal(1, s.Epoch);
        Assert.Equal(1, s.ContextInEpoch);
    }

    [Fact]
    public void ContextStream_SeparatorIsBos_NoDoubleBosAtAContextStart()
    {
        using var s = new ContextStream(Ids("5 6 7\n8 9\n10 11 12 13\n"), null, 4, bosId: 1, separatorId: 1);
        Assert.Equal(new[] { new long[] { 1, 5, 6, 7 }, new long[] { 1, 8, 9, 1 }, new long[] { 1, 10, 11, 12 } }, Take(s, 3));
    }

    [Fact]
    public void ContextStream_NoBosNoSeparator_JsonAndGzipReadAlike()
    {
        var json = Ids("[[5, 6, 7], [8, 9]]", "ids.json");
        var gz = _tmp.File("ids.txt.gz");
        using (var f = File.Create(gz)) using (var z = new GZipStream(f, CompressionLevel.Fastest)) using (var w = new StreamWriter(z)) w.Write("5 6 7\n8 9\n");
        using var a = new ContextStream(json, null, 2, null, null);
        using var b = new ContextStream(gz, null, 2, null, null);
        var expected = new[] { new long[] { 5, 6 }, new long[] { 7, 8 }, new long[] { 5, 6 } };   // "9" is the dropped remainder
        Assert.Equal(expected, Take(a, 3));
        Assert.Equal(expected, Take(b, 3));
    }

    [Fact]
    public void ContextStream_SkipTo_ContinuesAsReadingOn()
    {
        var path = Ids(string.Join("\n", Enumerable.Range(0, 30).Select(i => $"{i} {i + 100} {i + 200}")));
        using var a = new ContextStream(path, null, 5, 1, 2);
        var all = Take(a, 40);
        using var b = new ContextStream(path, null, 5, 1, 2);
        b.SkipTo(a.Epoch, a.ContextInEpoch - 7);
        Assert.Equal(all[^7..], Take(b, 7));
    }

    [Fact]
    public void ContextStream_BadCorpus_ClearErrors()
    {
        using var small = new ContextStream(Ids("5 6\n"), null, 4, 1, null);
        var e1 = Assert.Throws<InvalidDataException>(() => Take(small, 1));
        Assert.Contains("fewer tokens than one context", e1.Message);
        using var text = new ContextStream(Ids("5 six 7\n", "t.txt"), null, 2, null, null);
        var e2 = Assert.Throws<InvalidDataException>(() => Take(text, 1));
        Assert.Contains("'six' is not a token id", e2.Message);
        Assert.Throws<FileNotFoundException>(() => new ContextStream(_tmp.File("none.txt"), null, 4, null, null));
    }

    /// <summary>Row i is [i, -i].</summary>
    private sealed class CountingSource : IActivationSource
    {
        public long Row;
        public int DIn => 2;
        public void Read(Span<float> dst) { for (int i = 0; i < dst.Length; i += 2) { dst[i] = Row; dst[i + 1] = -Row; Row++; } }
        public ActivationSourceState GetState() => new(new[] { Row }, Array.Empty<float>());
        public void LoadState(ActivationSourceState s) => Row = s.Position[0];
        public void Dispose() { }
    }

    private static List<int> Serve(ActivationBuffer b, int batches)
    {
        var got = new List<int>();
        var dst = new float[b.BatchRows * 2];
        for (int i = 0; i < batches; i++)
        {
            b.NextBatch(dst);
            for (int r = 0; r < b.BatchRows; r++) { Assert.Equal(-dst[r * 2], dst[r * 2 + 1]); got.Add((int)dst[r * 2]); }
        }
        return got;
    }

    [Fact]
    public void Buffer_ServesEveryRowOnceShuffledWithinBoundedMemory()
    {
        var src = new CountingSource();
        var b = new ActivationBuffer(src, batchRows: 4, nBatchesInBuffer: 4, seed: 1);
        var got = Serve(b, 50);
        Assert.Equal(got.Count, got.Distinct().Count());
        Assert.True(src.Row <= got.Count + b.Capacity, $"read {src.Row} rows to serve {got.Count} with a buffer of {b.Capacity}");
        Assert.True(got.All(r => r < src.Row));
        Assert.NotEqual(got.Order().ToList(), got);                            // shuffled
        Assert.Equal(got, Serve(new ActivationBuffer(new CountingSource(), 4, 4, 1), 50));
        Assert.NotEqual(got, Serve(new ActivationBuffer(new CountingSource(), 4, 4, 2), 50));
    }

    [Fact]
    public void Buffer_StateRoundTrip_ContinuesIdentically()
    {
        var a = new ActivationBuffer(new CountingSource(), 3, 3, 5);
        Serve(a, 7);
        var src = new CountingSource();
        var b = new ActivationBuffer(src, 3, 3, 5);
        b.LoadState(a.GetState());
        src.LoadState(new ActivationSourceState(new[] { a.RowsRead }, Array.Empty<float>()));
        Assert.Equal(Serve(a, 9), Serve(b, 9));
    }

    [Fact]
    public void ModelSource_Rows_AreTheHookActivationsInOrder()
    {
        var model = TestSupport.Gpt2Tiny();
        var path = Ids(string.Join("\n", Enumerable.Range(0, 10).Select(i => string.Join(" ", Enumerable.Range(0, 9).Select(j => (i * 9 + j) % 100 + 1)))));
        using var src = new ModelActivationSource(model, "blocks.1.hook_resid_mid", null, new ContextStream(path, null, 6, null, null), batchPrompts: 2);
        Assert.Equal(64, src.DIn);
        var rows = new float[15 * 64];                                          // one and a bit model batches (12 rows each)
        src.Read(rows);
        using var ctx = new ContextStream(path, null, 6, null, null);
        var ids = Take(ctx, 4).SelectMany(r => r).ToArray();
        using var idsT = Tensor.FromArray(ids, 4, 6);
        var (logits, cache) = TestSupport.Gpt2Tiny().RunWithCache(idsT, n => n == "blocks.1.hook_resid_mid");
        using (logits) using (cache)
        {
            var expect = TestSupport.D(cache["blocks.1.hook_resid_mid"]);
            for (int i = 0; i < rows.Length; i++)
                Assert.True(Math.Abs(expect[i] - rows[i]) <= 1e-5, $"row {i / 64} dim {i % 64}: {rows[i]} vs {expect[i]}");
        }
        var st = src.GetState();
        Assert.Equal(new long[] { 0, 4 }, st.Position);
        Assert.Equal(9 * 64, st.Pending.Length);                                // 24 rows run, 15 handed out
    }

    [Fact]
    public void ModelSource_ExcludeSpecialTokens_DropsThoseRows()
    {
        var path = Ids("1 5 6 2\n1 7 8 2\n");
        using var src = new ModelActivationSource(TestSupport.Gpt2Tiny(), "blocks.0.hook_resid_post", null, new ContextStream(path, null, 4, null, null), 2, exclude: new long[] { 1, 2 });
        src.Read(new float[4 * 64]);
        Assert.Empty(src.GetState().Pending);                                   // 8 positions, 4 of them BOS/EOS
    }
}

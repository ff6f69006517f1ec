// Corpus reading (ids in JSON or whitespace form, text tokenized chunk by chunk) and finalize's small pieces: the
// random-negative sampler on both of its paths, Floyd's distinct sampling, and where a window starts.
using Interp.Dictionaries.Cache;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class CorpusTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Ids_JsonAndWhitespaceForms_SameContextsAndTailDropped()
    {
        string json = _tmp.File("a.json"), plain = _tmp.File("b.txt");
        File.WriteAllText(json, "[[5, 17, 3], [99, 42],\n [8, 0, 1, 2, 100]]");
        File.WriteAllText(plain, "5 17 3\n99\t42 8\r\n0 1 2 100");
        foreach (var path in new[] { json, plain })
        {
            var corpus = Corpus.Ids(path, 101);
            var ctx = corpus.Contexts(3).ToList();
            Assert.Equal(new[] { new[] { 5, 17, 3 }, new[] { 99, 42, 8 }, new[] { 0, 1, 2 } }, ctx);
            Assert.Equal(1, corpus.TailTokens);
        }
    }

    [Fact]
    public void Ids_LongerThanOneReadBuffer_NumbersSplitAcrossReadsStayWhole()
    {
        var rng = new Rng(3);
        var ids = Enumerable.Range(0, 30_000).Select(_ => rng.NextInt(101)).ToArray();    // ~100K chars: several 64K reads
        string path = _tmp.File("big.txt");
        File.WriteAllText(path, string.Join(' ', ids));
        var got = Corpus.Ids(path, 101).Contexts(7).SelectMany(c => c).ToArray();
        Assert.Equal(ids.Take(30_000 / 7 * 7), got);
    }

    [Theory]
    [InlineData("[[1, 2, 101]]", "1:9: token id 101 is out of range; ids must be in 0..100")]
    [InlineData("1 2\n3 -4", "2:3: unexpected '-'")]
    [InlineData("[1, 2.5]", "1:6: unexpected '.'")]
    [InlineData("99999999999999999999", "token id > 2147483647 is out of range")]
    public void Ids_BadInput_SaysWhereAndWhat(string text, string expected)
    {
        string path = _tmp.File("bad.json");
        File.WriteAllText(path, text);
        var e = Assert.Throws<InvalidDataException>(() => Corpus.Ids(path, 101).Contexts(2).ToList());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Text_ChunkedTokenization_EqualsWholeText()
    {
        var tok = TokenizerLoader.FromJson(TestCorpora.TinyTokenizerJson());
        var rng = new Rng(4);
        var sb = new System.Text.StringBuilder();
        while (sb.Length < 200_000)                                       // several 64K chunks, lines of varied length
        {
            int words = rng.NextInt(40) + 1;
            for (int i = 0; i < words; i++) sb.Append(rng.NextInt(10) == 0 ? ", " : $"w{rng.NextInt(95)} ");
            sb.Append(rng.NextInt(5) == 0 ? ".\n" : "\n");
        }
        sb.Append(string.Join(' ', Enumerable.Range(0, 20_000).Select(i => $"w{i % 90}")));   // one line longer than a chunk
        string path = _tmp.File("t.txt"), text = sb.ToString();
        File.WriteAllText(path, text);
        var whole = tok.Encode(text);
        var corpus = Corpus.Text(path, tok);
        var got = corpus.Contexts(64).SelectMany(c => c).ToArray();
        Assert.Equal(whole.Take(whole.Length / 64 * 64), got);
        Assert.Equal(whole.Length % 64, corpus.TailTokens);
        Assert.Contains(0, whole);                                        // w90..w94 are unknown: [UNK] is exercised
    }

    [Fact]
    public void SampleSilent_SparseFiring_DrawsDistinctSilentContexts()
    {
        var firing = new HashSet<long> { 1, 5, 8, 13 };
        var got = CacheFinalizer.SampleSilent(1000, 10, firing.Contains, new Rng(1), new Rng(2));
        Assert.Equal(10, got.Count);
        Assert.Equal(10, got.Distinct().Count());
        Assert.All(got, c => Assert.InRange(c, 0, 999));
        Assert.DoesNotContain(got, firing.Contains);
    }

    [Fact]
    public void SampleSilent_FiresAlmostEverywhere_ReservoirFindsTheFewSilent()
    {
        var silent = new HashSet<long> { 17, 4_000, 9_999 };
        long calls = 0;
        var got = CacheFinalizer.SampleSilent(10_000, 5, c => { calls++; return !silent.Contains(c); }, new Rng(1), new Rng(2));
        Assert.Equal(silent.Order(), got.Order());
        Assert.True(calls > 10_000, "the reservoir pass over every context ran");
        // more silent contexts than wanted: a seeded uniform choice, the same on a re-run
        var many = Enumerable.Range(0, 50).Select(i => (long)i * 200).ToHashSet();
        var a = CacheFinalizer.SampleSilent(10_000, 5, c => !many.Contains(c), new Rng(1), new Rng(2));
        Assert.Equal(5, a.Distinct().Count());
        Assert.All(a, c => Assert.Contains(c, many));
        Assert.Equal(a, CacheFinalizer.SampleSilent(10_000, 5, c => !many.Contains(c), new Rng(1), new Rng(2)));
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(5, 5)]
    [InlineData(3, 8)]
    public void Distinct_ReturnsMinKNDistinctValuesInRange(long n, int k)
    {
        var got = new Rng(9).Distinct(n, k).ToList();
        Assert.Equal((int)Math.Min(n, k), got.Count);
        Assert.Equal(got.Count, got.Distinct().Count());
        Assert.All(got, v => Assert.InRange(v, 0, n - 1));
        Assert.Equal(got.Order(), got);
    }

    [Theory]
    [InlineData(20, 16, 64, 9)]     // peak at index 11 of 16: 11 tokens before it
    [InlineData(3, 16, 64, 0)]      // near the start: shifted right
    [InlineData(62, 16, 64, 48)]    // near the end: shifted left
    [InlineData(5, 16, 10, 0)]      // window longer than the context: the whole context
    [InlineData(7, 1, 64, 7)]
    public void WindowStart_PlacesPeakThreeQuartersIn(int pos, int window, int contextLength, int expected) =>
        Assert.Equal(expected, CacheFinalizer.WindowStart(pos, Math.Min(window, contextLength), contextLength, window));
}

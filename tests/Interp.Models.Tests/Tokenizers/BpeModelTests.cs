// BPE model: the optimized merge loop against the naive reference on random vocabularies and long words,
// unk / fuse_unk / byte_fallback / ignore_merges / subword prefix, and bad merges.
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public class BpeModelTests
{
    /// <summary>A random BPE over alphabet "abcd": each merge joins two existing tokens into a new one.</summary>
    private static BpeModel RandomBpe(Random rng, int mergeCount, out List<string> tokens)
    {
        tokens = ["a", "b", "c", "d"];
        var vocab = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        var merges = new List<(string, string)>();
        var seen = new HashSet<(string, string)>();
        while (merges.Count < mergeCount)
        {
            string l = tokens[rng.Next(tokens.Count)], r = tokens[rng.Next(tokens.Count)];
            if (l.Length + r.Length > 8 || !seen.Add((l, r))) continue;
            merges.Add((l, r));
            if (vocab.TryAdd(l + r, vocab.Count)) tokens.Add(l + r);
        }
        return new BpeModel(vocab, merges, new BpeOptions());
    }

    [Fact]
    public void MergeQueue_RandomVocabsAndWords_MatchesNaiveReference()
    {
        var rng = new Random(1234);
        for (int trial = 0; trial < 40; trial++)
        {
            var bpe = RandomBpe(rng, 1 + rng.Next(60), out _);
            for (int w = 0; w < 50; w++)
            {
                var word = new string(Enumerable.Range(0, 1 + rng.Next(70)).Select(_ => "abcd"[rng.Next(4)]).ToArray());
                var fast = bpe.TokenizeUncached(word, useQueue: true);
                var naive = bpe.TokenizeUncached(word, useQueue: false);
                Assert.Equal(naive, fast);
                Assert.Equal(0, fast[0].Start);
                Assert.Equal(word.Length, fast[^1].End);
            }
        }
    }

    private const string Alphabet = "aeinrst lé日";

    [Fact]
    public void MergeQueue_LongGpt2Words_MatchesNaiveReference()
    {
        var rng = new Random(99);
        var pre = new ByteLevelPreTokenizer(false, false);
        var model = (BpeModel)Fixtures.Gpt2.Model;
        for (int i = 0; i < 5; i++)
        {
            var text = new string(Enumerable.Range(0, 100 + rng.Next(200)).Select(_ => Alphabet[rng.Next(Alphabet.Length)]).ToArray());
            var pieces = new List<NormalizedText> { NormalizedText.FromOriginal(text, 0, text.Length) };
            pre.PreTokenize(pieces);
            Assert.Equal(model.TokenizeUncached(pieces[0].Text, false), model.TokenizeUncached(pieces[0].Text, true));
        }
    }

    private static Dictionary<string, int> Vocab(params string[] tokens) =>
        tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);

    [Fact]
    public void Tokenize_UnknownChars_UnkFusedOrNot()
    {
        var vocab = Vocab("<unk>", "a", "b", "ab");
        var merges = new List<(string, string)> { ("a", "b") };
        var fused = new BpeModel(vocab, merges, new BpeOptions(UnkToken: "<unk>", FuseUnk: true));
        var plain = new BpeModel(vocab, merges, new BpeOptions(UnkToken: "<unk>"));
        var noUnk = new BpeModel(vocab, merges, new BpeOptions());
        Assert.Equal(new[] { 3, 0, 1 }, Ids(fused, "abxyza"));
        Assert.Equal(new[] { 3, 0, 0, 0, 1 }, Ids(plain, "abxyza"));
        Assert.Equal(new[] { 3, 1 }, Ids(noUnk, "abxyza")); // HF drops unknown chars when there is no unk_token
        Assert.Equal(new ModelToken(0, 2, 5), fused.TokenizeUncached("abxyza", true)[1]);
    }

    [Fact]
    public void Tokenize_ByteFallback_UsesByteTokensSpanningTheChar()
    {
        var tokens = new List<string> { "<unk>", "a" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        var bpe = new BpeModel(Vocab([.. tokens]), [], new BpeOptions(UnkToken: "<unk>", ByteFallback: true));
        var result = bpe.TokenizeUncached("a€", true);
        Assert.Equal(new[] { 1, 2 + 0xE2, 2 + 0x82, 2 + 0xAC }, result.Select(t => t.Id));
        Assert.All(result.Skip(1), t => Assert.Equal((1, 2), (t.Start, t.End)));
    }

    [Fact]
    public void Tokenize_IgnoreMerges_TakesWholeWordFromVocab()
    {
        var vocab = Vocab("a", "b", "c", "ab", "abc", "bc");
        var merges = new List<(string, string)> { ("b", "c"), ("a", "b") };
        Assert.Equal(new[] { 0, 5 }, Ids(new BpeModel(vocab, merges, new BpeOptions()), "abc")); // "bc" first, no "a bc" merge
        Assert.Equal(new[] { 4 }, Ids(new BpeModel(vocab, merges, new BpeOptions(IgnoreMerges: true)), "abc"));
    }

    [Fact]
    public void Tokenize_ContinuingSubwordPrefixAndSuffix()
    {
        var vocab = Vocab("h", "##e", "##y</w>", "h##e", "he", "hey</w>", "##y");
        var bpe = new BpeModel(vocab, [("h", "##e")], new BpeOptions(ContinuingSubwordPrefix: "##", EndOfWordSuffix: "</w>"));
        Assert.Equal(new[] { 4, 2 }, Ids(bpe, "hey")); // "h" + "##e" -> "he" (prefix dropped from the right side)
    }

    [Fact]
    public void Constructor_MergeWithTokenMissingFromVocab_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => new BpeModel(Vocab("a", "b"), [("a", "b")], new BpeOptions()));
        Assert.Contains("\"ab\"", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => new BpeModel(Vocab("a"), [], new BpeOptions(UnkToken: "<unk>")));
        Assert.Contains("unk_token", ex2.Message);
    }

    private static int[] Ids(BpeModel m, string word)
    {
        var list = new List<ModelToken>();
        m.Tokenize(word, list);
        return list.Select(t => t.Id).ToArray();
    }
}

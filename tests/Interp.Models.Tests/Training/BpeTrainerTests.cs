// The byte-level BPE trainer: hand-checked merges on tiny texts (counts, overlapping pairs, ordinal tie-breaks,
// min frequency), a tokenizer.json that TokenizerLoader loads and round-trips, determinism, and bad options.
using Interp.Models.Tokenizers;
using Interp.Models.Tokenizers.Training;

namespace Interp.Models.Tests.Training;

public sealed class BpeTrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "interp-bpe-" + Guid.NewGuid().ToString("N"));

    public BpeTrainerTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static BpeTrainingResult Train(string text, int vocab = 1000, int minFrequency = 2) =>
        ByteLevelBpeTrainer.Train([text], new BpeTrainerOptions(vocab, minFrequency));

    [Fact]
    public void Train_TinyText_GivesHandCheckedMerges()
    {
        // words: "ab" ×1, " ab" ×2, " abc" ×1 -> (a,b) 4, (Ġ,a) 3, (b,c) 1: merge a+b; then (Ġ,ab) 3, (ab,c) 1: merge Ġ+ab;
        // then only (Ġab,c) 1 is left, under min frequency 2.
        var r = Train("ab ab ab abc");
        Assert.Equal(new[] { ("a", "b"), ("Ġ", "ab") }, r.Merges);
        Assert.Equal(1 + 256 + 2, r.Vocab.Count);
        Assert.Equal("<|endoftext|>", r.Vocab[0]);
        Assert.Equal(["ab", "Ġab"], r.Vocab.Skip(257));
    }

    [Fact]
    public void Train_OverlappingPairs_CountEachPositionAndMergeLeftToRight()
    {
        // "aaaa" ×1, " aaaa" ×1: (a,a) counts 3 + 3 = 6; after a+a both words read [.., aa, aa], so (aa,aa) 2 merges next.
        var r = Train("aaaa aaaa");
        Assert.Equal(new[] { ("a", "a"), ("aa", "aa") }, r.Merges);
    }

    [Fact]
    public void Train_EqualCounts_TieBrokenByOrdinalTokenStrings()
    {
        // every pair occurs once: "a" < "c" < "Ġ" (U+0120) in ordinal order, so (a,b), then (c,d), then (Ġ,cd)
        var r = Train("ab cd", vocab: 1 + 256 + 3, minFrequency: 1);
        Assert.Equal(new[] { ("a", "b"), ("c", "d"), ("Ġ", "cd") }, r.Merges);
    }

    [Fact]
    public void Train_VocabSizeReached_StopsThere()
    {
        var r = Train(string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 50)), vocab: 260);
        Assert.Equal(260, r.Vocab.Count);
        Assert.Equal(3, r.Merges.Count);
    }

    private const string English =
        "In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness was upon "
        + "the face of the deep. And God said, Let there be light: and there was light.\n\nAnd God saw the light, that it was good.\n";

    [Fact]
    public void SavedTokenizer_LoadsAndRoundTrips()
    {
        var r = Train(string.Concat(Enumerable.Repeat(English, 5)), vocab: 400);
        var path = Path.Combine(_dir, "tokenizer.json");
        r.Save(path);
        var tok = TokenizerLoader.Load(path);
        Assert.Equal(r.Vocab.Count, tok.VocabSize);
        Assert.Equal(0, tok.EosId);                                  // "<|endoftext|>" is found as the EOS token
        foreach (var text in new[] { English, Tokenizers.Fixtures.Paragraph, "", " leading and trailing  ", "<|endoftext|>x" })
            Assert.Equal(text, tok.Decode(tok.Encode(text)));
        Assert.Single(tok.Encode(" light"));                         // a frequent word became one token
        Assert.Equal([0, tok.Encode("x")[0]], tok.Encode("<|endoftext|>x")); // the special token is matched whole
        // each id decodes to the bytes its vocab string stands for
        for (int id = 1; id < r.Vocab.Count; id++) Assert.Equal(r.Vocab[id], tok.IdToToken(id));
    }

    [Fact]
    public void Encode_WithTrainedMerges_MatchesHandApplication()
    {
        var tok = Train("ab ab ab abc").ToTokenizer();
        // " abc": Ġ a b c -> (a,b) rank 0 -> Ġ ab c -> (Ġ,ab) rank 1 -> Ġab c
        Assert.Equal(new[] { "Ġab", "c" }, tok.Encode(" abc").Select(i => tok.IdToToken(i)!));
        Assert.Equal(new[] { "ab" }, tok.Encode("ab").Select(i => tok.IdToToken(i)!));
    }

    [Fact]
    public void Train_SameInput_GivesIdenticalJson()
    {
        var text = string.Concat(Enumerable.Repeat(English + Tokenizers.Fixtures.Paragraph, 3));
        Assert.Equal(Train(text, 500, 1).ToTokenizerJson(), Train(text, 500, 1).ToTokenizerJson());
    }

    [Fact]
    public void Train_BadOptions_FailWithReason()
    {
        var e = Assert.Throws<ArgumentException>(() => Train("abc", vocab: 200));
        Assert.Contains("256 byte tokens", e.Message);
        Assert.Throws<ArgumentException>(() => Train("abc", minFrequency: 0));
        Assert.Throws<ArgumentException>(() => ByteLevelBpeTrainer.Train(["abc"], new BpeTrainerOptions(SpecialTokens: ["<a>", "<a>"])));
    }
}

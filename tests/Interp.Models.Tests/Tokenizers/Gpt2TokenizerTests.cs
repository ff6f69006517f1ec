// GPT-2 byte-level BPE from the shared vocab.json + merges.txt, checked against ids that OpenAI's encoder,
// tiktoken and gpt-3-encoder agree on (Fixtures/tokenizers/gpt2/vectors.json) and tiktoken-made vectors.
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public class Gpt2TokenizerTests
{
    [Fact]
    public void Encode_SharedVectors_MatchReferenceIds()
    {
        foreach (var v in Fixtures.Gpt2SharedVectors)
            Assert.True(v.Ids.SequenceEqual(Fixtures.Gpt2.Encode(v.Text)),
                $"text {System.Text.Json.JsonSerializer.Serialize(v.Text)}: expected [{string.Join(",", v.Ids)}], got [{string.Join(",", Fixtures.Gpt2.Encode(v.Text))}]");
    }

    [Fact]
    public void Decode_SharedVectors_GiveBackText()
    {
        foreach (var v in Fixtures.Gpt2SharedVectors)
            Assert.Equal(v.Text, Fixtures.Gpt2.Decode(v.Ids));
    }

    [Fact]
    public void Encode_TiktokenVectors_MatchTiktoken()
    {
        var vectors = Fixtures.Gpt2TiktokenVectors;
        Assert.True(vectors.Count > 300);
        var failures = new List<string>();
        // tiktoken was told to treat "<|endoftext|>" as text; here it is the special token (HF's behaviour, tested below).
        foreach (var v in vectors.Where(v => !v.Text.Contains("<|endoftext|>")))
        {
            var got = Fixtures.Gpt2.Encode(v.Text);
            if (!v.Ids.SequenceEqual(got))
                failures.Add($"{System.Text.Json.JsonSerializer.Serialize(v.Text)}: expected [{string.Join(",", v.Ids)}] got [{string.Join(",", got)}]");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void Decode_TiktokenVectors_RoundTrip()
    {
        foreach (var v in Fixtures.Gpt2TiktokenVectors)
            Assert.Equal(v.Text, Fixtures.Gpt2.Decode(v.Ids));
    }

    [Fact]
    public void Encode_EndOfTextInText_IsTheSpecialToken()
    {
        var ids = Fixtures.Gpt2.Encode("Hello<|endoftext|> world");
        Assert.Equal(new[] { 15496, 50256, 995 }, ids);
        Assert.Equal("Hello world", Fixtures.Gpt2.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("Hello<|endoftext|> world", Fixtures.Gpt2.Decode(ids));
    }

    [Fact]
    public void Properties_Gpt2_VocabSizeAndSpecialIds()
    {
        var t = Fixtures.Gpt2;
        Assert.Equal(50257, t.VocabSize);
        Assert.Equal(50256, t.BosId);
        Assert.Equal(50256, t.EosId);
        Assert.Null(t.PadId);
        Assert.Equal("Ġworld", t.IdToToken(995));
        Assert.Equal(995, t.TokenToId("Ġworld"));
        Assert.Null(t.TokenToId("no such token"));
        Assert.Null(t.IdToToken(99999));
        Assert.Equal(t.Encode("Hello"), t.Encode("Hello", addSpecialTokens: true)); // GPT-2 adds no BOS
    }

    [Fact]
    public void TokenToString_ByteLevelTokens_AreReadable()
    {
        var t = Fixtures.Gpt2;
        Assert.Equal(" world", t.TokenToString(995));
        Assert.Equal("\n", t.TokenToString(198));
        Assert.Equal("<|endoftext|>", t.TokenToString(50256));
        Assert.Equal("<unk:123456>", t.TokenToString(123456));
        // "🤗" is bytes F0 9F A4 97 = tokens 8582 ("\xF0\x9F") 97 ("\xA4") 245 ("\x97"): incomplete UTF-8 shown escaped.
        Assert.Equal(new[] { 8582, 97, 245 }, t.Encode("🤗"));
        Assert.Equal(@"\xF0\x9F", t.TokenToString(8582));
        Assert.Equal(@" \xF0\x9F", t.TokenToString(12520));
        Assert.Equal(@"\xA4", t.TokenToString(97));
    }

    [Fact]
    public void EncodeWithOffsets_AsciiText_EachTokenDecodesToItsSlice()
    {
        const string text = "Hello world, it's  a test:\n\n  12345 tokens!";
        var (ids, offsets) = Fixtures.Gpt2.EncodeWithOffsets(text);
        Assert.Equal(ids.Length, offsets.Length);
        for (int i = 0; i < ids.Length; i++)
            Assert.Equal(text[offsets[i].Start..offsets[i].End], Fixtures.Gpt2.Decode([ids[i]]));
        Assert.Equal(0, offsets[0].Start);
        Assert.Equal(text.Length, offsets[^1].End);
        for (int i = 1; i < ids.Length; i++) Assert.Equal(offsets[i - 1].End, offsets[i].Start);
    }

    [Fact]
    public void EncodeWithOffsets_MultiByteChars_TokensCoverWholeChars()
    {
        const string text = "a 🤗 é日";
        var (ids, offsets) = Fixtures.Gpt2.EncodeWithOffsets(text);
        Assert.Equal(Fixtures.Gpt2.Encode(text), ids);
        // "🤗" (chars 2..4, a surrogate pair) is split over byte tokens: each reports the space+emoji or emoji span.
        foreach (var (s, e) in offsets)
        {
            Assert.InRange(s, 0, text.Length);
            Assert.InRange(e, s, text.Length);
            Assert.False(s > 0 && char.IsLowSurrogate(text[s]), $"offset {s} splits a surrogate pair");
            Assert.False(e < text.Length && char.IsLowSurrogate(text[e]), $"offset {e} splits a surrogate pair");
        }
        var emojiTokens = Enumerable.Range(0, ids.Length).Where(i => offsets[i].End == 4).ToList();
        Assert.True(emojiTokens.Count >= 2, "the emoji's bytes span several tokens, each covering the whole emoji");
        Assert.All(emojiTokens, i => Assert.True(offsets[i].Start is 1 or 2));
        // The concatenated bytes of the tokens covering the emoji decode to exactly that slice.
        Assert.Equal(text[offsets[emojiTokens[0]].Start..4], Fixtures.Gpt2.Decode(emojiTokens.Select(i => ids[i])));
    }

    [Fact]
    public void Decode_InvalidUtf8Bytes_GiveReplacementChar()
    {
        // Token 8582 alone is the first two bytes of a four-byte sequence (one maximal invalid subpart: one U+FFFD).
        Assert.Equal("\uFFFD", Fixtures.Gpt2.Decode([8582]));
        Assert.Equal("a\uFFFDb", Fixtures.Gpt2.Decode([64, 8582, 65]));
    }

    [Fact]
    public void Decode_UnknownIds_AreSkipped()
    {
        Assert.Equal("Hello world", Fixtures.Gpt2.Decode([15496, 999_999, 995]));
    }
}

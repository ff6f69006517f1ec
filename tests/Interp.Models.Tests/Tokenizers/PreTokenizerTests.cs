// Pre-tokenizers on hand-computed examples: HF's split behaviours, Whitespace, Digits, Metaspace, ByteLevel,
// the Llama-3 regex, and astral chars (which .NET regex sees as two UTF-16 units).
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public class PreTokenizerTests
{
    internal const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static string[] Run(IPreTokenizer p, string text)
    {
        var pieces = new List<NormalizedText> { NormalizedText.FromOriginal(text, 0, text.Length) };
        p.PreTokenize(pieces);
        return pieces.Select(x => x.Text).ToArray();
    }

    [Theory]
    [InlineData(SplitBehavior.Removed, new[] { "the", "final", "countdown" })]
    [InlineData(SplitBehavior.Isolated, new[] { "the", "-", "final", "-", "-", "countdown" })]
    [InlineData(SplitBehavior.MergedWithPrevious, new[] { "the-", "final-", "-", "countdown" })]
    [InlineData(SplitBehavior.MergedWithNext, new[] { "the", "-final", "-", "-countdown" })]
    [InlineData(SplitBehavior.Contiguous, new[] { "the", "-", "final", "--", "countdown" })]
    internal void Split_EachBehavior_MatchesHfDocumentedExample(SplitBehavior behavior, string[] expected)
    {
        Assert.Equal(expected, Run(new SplitPreTokenizer(new LiteralPattern("-"), behavior, false), "the-final--countdown"));
    }

    [Fact]
    public void Split_Inverted_KeepsMatchesAndDropsGaps()
    {
        var p = new SplitPreTokenizer(new RegexPattern(@"\d+"), SplitBehavior.Removed, invert: true);
        Assert.Equal(new[] { "12", "345" }, Run(p, "ab12cd345e"));
    }

    [Fact]
    public void Split_Llama3Regex_HandComputedPieces()
    {
        var p = new SplitPreTokenizer(new RegexPattern(Llama3Pattern), SplitBehavior.Isolated, false);
        Assert.Equal(new[] { "Hello", " world", "'s", " ", "123", "45", "!!\n\n", " ", " ok", "'RE" },
            Run(p, "Hello world's 12345!!\n\n  ok'RE"));
    }

    [Fact]
    public void ByteLevel_Gpt2Regex_AstralLettersCountAsLetters()
    {
        // Rust/Python treat U+1D400 as one \p{L} char: "x𝐀y" is one letter run and "!" is not merged with "𝐀".
        var p = new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true);
        const string text = "x𝐀y !𝐀";
        var pieces = new List<NormalizedText> { NormalizedText.FromOriginal(text, 0, text.Length) };
        p.PreTokenize(pieces);
        Assert.Equal(new[] { (0, 4), (4, 6), (6, 8) }, pieces.Select(x => x.OriginalSpan(0, x.Length)).ToArray());
        Assert.Equal(new[] { "x𝐀y", " !", "𝐀" }, pieces.Select(x => text[x.StartOf(0)..x.EndOf(x.Length - 1)]).ToArray());
    }

    [Fact]
    public void RegexPattern_AstralDigitsWithCountedQuantifier_NeverSplitASurrogatePair()
    {
        // Known divergence: \p{N}{1,3} counts UTF-16 units for astral digits, so groups differ from Rust's,
        // but no piece boundary may fall inside a surrogate pair.
        const string text = "𝟙𝟚𝟛𝟜";
        var pieces = new List<NormalizedText> { NormalizedText.FromOriginal(text, 0, text.Length) };
        new SplitPreTokenizer(new RegexPattern(Llama3Pattern), SplitBehavior.Isolated, false).PreTokenize(pieces);
        Assert.Equal(text, string.Concat(pieces.Select(x => x.Text)));
        Assert.All(pieces, x => Assert.False(char.IsLowSurrogate(x.Text[0])));
    }

    [Fact]
    public void ByteLevel_AddPrefixSpace_PrependsSpaceAndMapsBytes()
    {
        Assert.Equal(new[] { "ĠHello", "Ġworld" }, Run(new ByteLevelPreTokenizer(true, true), "Hello world"));
        Assert.Equal(new[] { "ĠHello", "Ġworld" }, Run(new ByteLevelPreTokenizer(true, true), " Hello world"));
        Assert.Equal(new[] { "HelloĠworld" }, Run(new ByteLevelPreTokenizer(false, false), "Hello world"));
        Assert.Equal(new[] { "Ã©" }, Run(new ByteLevelPreTokenizer(false, false), "é"));
    }

    [Fact]
    public void Whitespace_WordsAndPunctuationRuns()
    {
        Assert.Equal(new[] { "Hello", ",", "world", "!?", "ok", "é" }, Run(SimplePreTokenizers.Whitespace(), "Hello, world!?  ok\té"));
        Assert.Equal(new[] { "Hello,", "world!?", "ok" }, Run(SimplePreTokenizers.WhitespaceSplit(), "Hello, world!?  ok\n"));
    }

    [Fact]
    public void Digits_IndividualOrGrouped()
    {
        Assert.Equal(new[] { "Call ", "1", "2", "3", " now" }, Run(SimplePreTokenizers.Digits(true), "Call 123 now"));
        Assert.Equal(new[] { "Call ", "123", " now" }, Run(SimplePreTokenizers.Digits(false), "Call 123 now"));
    }

    [Fact]
    public void Punctuation_And_Bert_IsolatePunctuation()
    {
        Assert.Equal(new[] { "Hey friend", "!", "!" }, Run(SimplePreTokenizers.Punctuation(SplitBehavior.Isolated), "Hey friend!!"));
        Assert.Equal(new[] { "Hey", "friend", "!", "!", "$" }, Run(SimplePreTokenizers.Bert(), "Hey friend!! $"));
    }

    [Theory]
    [InlineData(PrependScheme.Always, "Hey friend!", new[] { "▁Hey", "▁friend!" })]
    [InlineData(PrependScheme.Never, "Hey friend!", new[] { "Hey", "▁friend!" })]
    [InlineData(PrependScheme.Always, "  Hey", new[] { "▁", "▁Hey" })]
    internal void Metaspace_ReplacesSpacesAndSplits(PrependScheme scheme, string text, string[] expected)
    {
        Assert.Equal(expected, Run(new MetaspacePreTokenizer('▁', scheme, split: true), text));
    }

    [Fact]
    public void Metaspace_FirstScheme_PrependsOnlyAtTextStart()
    {
        var p = new MetaspacePreTokenizer('▁', PrependScheme.First, split: false);
        const string text = "ab cd";
        var pieces = new List<NormalizedText> { NormalizedText.FromOriginal(text, 0, 2), NormalizedText.FromOriginal(text, 2, 5) };
        p.PreTokenize(pieces);
        Assert.Equal(new[] { "▁ab", "▁cd" }, pieces.Select(x => x.Text).ToArray()); // second starts with the space itself
        pieces = [NormalizedText.FromOriginal("xab", 1, 3)];
        p.PreTokenize(pieces);
        Assert.Equal("ab", pieces[0].Text); // not at original offset 0: no prefix
    }

    [Fact]
    public void Sequence_AppliesInOrder_AndOffsetsFollowOriginal()
    {
        var p = new SequencePreTokenizer([SimplePreTokenizers.WhitespaceSplit(), SimplePreTokenizers.Digits(true)]);
        const string text = " ab12  c";
        var pieces = new List<NormalizedText> { NormalizedText.FromOriginal(text, 0, text.Length) };
        p.PreTokenize(pieces);
        Assert.Equal(new[] { "ab", "1", "2", "c" }, pieces.Select(x => x.Text).ToArray());
        Assert.Equal(new[] { (1, 3), (3, 4), (4, 5), (7, 8) }, pieces.Select(x => x.OriginalSpan(0, x.Length)).ToArray());
    }
}

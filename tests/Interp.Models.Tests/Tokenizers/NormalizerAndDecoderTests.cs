// Normalizers (with their alignment to the original text) and decoders on hand-computed examples.
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public class NormalizerAndDecoderTests
{
    private static NormalizedText Norm(INormalizer n, string text) => n.Normalize(NormalizedText.FromOriginal(text, 0, text.Length));

    [Fact]
    public void Nfc_ComposesAndAlignsToBothSourceChars()
    {
        var r = Norm(new UnicodeNormalizer(IcuNormalization.Form.NFC), "ae\u0301b");
        Assert.Equal("aéb", r.Text);
        Assert.Equal((1, 3), r.OriginalSpan(1, 2));
        Assert.Equal((3, 4), r.OriginalSpan(2, 3));
    }

    [Fact]
    public void Nfkc_And_Nfd_DecomposeCompatibilityAndCanonical()
    {
        var r = Norm(new UnicodeNormalizer(IcuNormalization.Form.NFKC), "\uFB01x²");
        Assert.Equal("fix2", r.Text);
        Assert.Equal((0, 1), r.OriginalSpan(0, 2)); // both "f" and "i" come from the ligature
        Assert.Equal("e\u0301", Norm(new UnicodeNormalizer(IcuNormalization.Form.NFD), "é").Text);
        Assert.Equal("한", Norm(new UnicodeNormalizer(IcuNormalization.Form.NFC), "\u1112\u1161\u11AB").Text); // conjoining jamo
    }

    [Theory]
    [InlineData(IcuNormalization.Form.NFC)]
    [InlineData(IcuNormalization.Form.NFD)]
    [InlineData(IcuNormalization.Form.NFKC)]
    [InlineData(IcuNormalization.Form.NFKD)]
    internal void UnicodeNormalizer_ChunkedWithAlignment_EqualsWholeStringNormalization(IcuNormalization.Form form)
    {
        string[] atoms = ["a", "e", "\u0301", "\u0308", "\u0323", "\u1112", "\u1161", "\u11AB", "\uFB01", "²", "Å", "ﾊﾟ", "𝐀", " ", "한", "\u0344"];
        var rng = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            var text = string.Concat(Enumerable.Range(0, 1 + rng.Next(12)).Select(_ => atoms[rng.Next(atoms.Length)]));
            var r = Norm(new UnicodeNormalizer(form), text);
            Assert.Equal(IcuNormalization.Normalize(text, form), r.Text);
            Assert.Equal((0, text.Length), r.OriginalSpan(0, r.Length));
        }
    }

    [Fact]
    public void Lowercase_FollowsRustCharLowercase()
    {
        var r = Norm(new LowercaseNormalizer(), "HeLLO ÀΣ İ\U00010400");
        Assert.Equal("hello àσ i\u0307\U00010428", r.Text);
        Assert.Equal((9, 10), r.OriginalSpan(9, 11)); // "i" + combining dot both from "İ"
    }

    [Fact]
    public void PrependAndReplace_LlamaStyle_AlignPrefixWithFirstChar()
    {
        var n = new SequenceNormalizer([new PrependNormalizer("▁"), new ReplaceNormalizer(new LiteralPattern(" "), "▁")]);
        var r = Norm(n, "Hi you");
        Assert.Equal("▁Hi▁you", r.Text);
        Assert.Equal((0, 1), r.OriginalSpan(0, 1));
        Assert.Equal((2, 3), r.OriginalSpan(3, 4));
        Assert.Equal("", Norm(n, "").Text); // nothing prepended to empty text
    }

    [Fact]
    public void Replace_RegexPattern_ReplacesEveryMatch()
    {
        var r = Norm(new ReplaceNormalizer(new RegexPattern(@"\s+"), " "), "a \t\n b");
        Assert.Equal("a b", r.Text);
        Assert.Equal((1, 5), r.OriginalSpan(1, 2));
    }

    [Fact]
    public void Strip_RemovesOuterWhitespace()
    {
        Assert.Equal("a b", Norm(new StripNormalizer(true, true), "  a b \n").Text);
        Assert.Equal("a b \n", Norm(new StripNormalizer(true, false), "  a b \n").Text);
    }

    [Fact]
    public void ByteFallbackDecoder_ValidAndInvalidByteRuns()
    {
        var d = new ByteFallbackDecoder();
        Assert.Equal(new[] { "a€", "b" }, d.DecodeChain(["<0x61>", "<0xE2>", "<0x82>", "<0xAC>", "b"]));
        Assert.Equal(new[] { "\uFFFD", "\uFFFD", "x" }, d.DecodeChain(["<0xE2>", "<0x82>", "x"])); // one U+FFFD per byte, as HF
        Assert.Equal(new[] { "<0xZZ>" }, d.DecodeChain(["<0xZZ>"]));
        Assert.Equal("\n", d.Display("<0x0A>"));
        Assert.Equal("<0xE2>", d.Display("<0xE2>"));
    }

    [Fact]
    public void MetaspaceDecoder_DropsReplacementInFirstTokenOnly()
    {
        Assert.Equal(new[] { "Hey", " friend" }, new MetaspaceDecoder('▁', PrependScheme.Always).DecodeChain(["▁Hey", "▁friend"]));
        Assert.Equal(new[] { " Hey", " friend" }, new MetaspaceDecoder('▁', PrependScheme.Never).DecodeChain(["▁Hey", "▁friend"]));
        Assert.Equal(" Hey", new MetaspaceDecoder('▁', PrependScheme.Always).Display("▁Hey"));
    }

    [Fact]
    public void StripFuseReplaceSequence_LlamaTwoDecoder()
    {
        var d = new SequenceDecoder([new ReplaceDecoder(new LiteralPattern("▁"), " "), new ByteFallbackDecoder(), new FuseDecoder(),
            new StripDecoder(' ', 1, 0)]);
        Assert.Equal("Hello é!", string.Concat(d.DecodeChain(["▁Hello", "▁", "<0xC3>", "<0xA9>", "!"])));
        Assert.Equal(" Hello", d.Display("▁Hello"));
        Assert.Equal(new[] { "ab", "b " }, new StripDecoder(' ', 2, 1).DecodeChain(["  ab", " b  "]));
    }

    [Fact]
    public void BpeSuffixDecoder_SuffixBecomesSpaceExceptLast()
    {
        Assert.Equal("hello world", string.Concat(new BpeSuffixDecoder("</w>").DecodeChain(["hel", "lo</w>", "world</w>"])));
    }

    [Fact]
    public void ByteLevelMap_IsABijectionOverPrintableChars()
    {
        var chars = ByteLevelMap.ByteToChar;
        Assert.Equal(256, chars.Distinct().Count());
        Assert.Equal('Ġ', chars[' ']);
        Assert.Equal('Ċ', chars['\n']);
        Assert.Equal('!', chars['!']);
        Assert.Equal('ÿ', chars[0xFF]);
        for (int b = 0; b < 256; b++) Assert.Equal(b, ByteLevelMap.CharToByte(chars[b]));
        Assert.Equal(-1, ByteLevelMap.CharToByte(' '));
        Assert.Equal(-1, ByteLevelMap.CharToByte('▁'));
    }
}

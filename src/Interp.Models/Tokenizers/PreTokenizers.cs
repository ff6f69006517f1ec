// Pre-tokenizers of HF tokenizer.json ("pre_tokenizer"): ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit,
// Digits, Punctuation, CharDelimiterSplit, BertPreTokenizer, Sequence. Each turns every piece into zero or more pieces.
using System.Text;

namespace Interp.Models.Tokenizers;

internal interface IPreTokenizer
{
    /// <summary>Replaces the list's pieces by their pre-tokenized parts, in order; empty parts are dropped.</summary>
    void PreTokenize(List<NormalizedText> pieces);
}

internal abstract class PieceWisePreTokenizer : IPreTokenizer
{
    protected abstract void Apply(NormalizedText piece, List<NormalizedText> output);

    public void PreTokenize(List<NormalizedText> pieces)
    {
        if (pieces.Count == 0) return;
        var src = pieces.ToArray();
        pieces.Clear();
        foreach (var p in src) Apply(p, pieces);
    }
}

internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> items) : IPreTokenizer
{
    public void PreTokenize(List<NormalizedText> pieces)
    {
        foreach (var p in items) p.PreTokenize(pieces);
    }
}

internal sealed class SplitPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert) : PieceWisePreTokenizer
{
    protected override void Apply(NormalizedText piece, List<NormalizedText> output) =>
        TextSplitter.Split(piece, pattern, behavior, invert, output);
}

/// <summary>GPT-2 style: optional prefix space, the GPT-2 regex split, then each piece's UTF-8 bytes as byte chars.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PieceWisePreTokenizer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private static readonly RegexPattern Gpt2 = new(Gpt2Pattern);

    protected override void Apply(NormalizedText piece, List<NormalizedText> output)
    {
        if (piece.Length == 0) return;
        if (addPrefixSpace && piece.Text[0] != ' ')
        {
            var b = new NormalizedTextBuilder(piece.Length + 1);
            b.Append(' ', piece.Starts[0], piece.Ends[0]);
            b.AppendFrom(piece, 0, piece.Length);
            piece = b.Build();
        }
        if (!useRegex) { output.Add(ToByteChars(piece)); return; }
        int first = output.Count;
        TextSplitter.Split(piece, Gpt2, SplitBehavior.Isolated, false, output);
        for (int i = first; i < output.Count; i++) output[i] = ToByteChars(output[i]);
    }

    /// <summary>The piece's UTF-8 bytes as GPT-2 byte chars; each byte char aligns with the whole char it came from.</summary>
    internal static NormalizedText ToByteChars(NormalizedText piece)
    {
        var t = piece.Text;
        if (!t.AsSpan().ContainsAnyExceptInRange('\0', '\u007F'))
        {
            var chars = new char[t.Length];
            for (int i = 0; i < t.Length; i++) chars[i] = ByteLevelMap.ByteToChar[t[i]];
            return new NormalizedText(new string(chars), piece.Starts, piece.Ends);
        }
        var b = new NormalizedTextBuilder(t.Length * 2);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < t.Length;)
        {
            int units = char.IsHighSurrogate(t[i]) && i + 1 < t.Length && char.IsLowSurrogate(t[i + 1]) ? 2 : 1;
            var rune = units == 2 ? new Rune(t[i], t[i + 1]) : Rune.TryCreate(t[i], out var r) ? r : Rune.ReplacementChar;
            int n = rune.EncodeToUtf8(utf8);
            var (os, oe) = piece.OriginalSpan(i, i + units);
            for (int k = 0; k < n; k++) b.Append(ByteLevelMap.ByteToChar[utf8[k]], os, oe);
            i += units;
        }
        return b.Build();
    }
}

internal enum PrependScheme { Always, First, Never }

/// <summary>SentencePiece style: spaces become the replacement char ("▁"), which is prepended per the scheme, and
/// (with split) each piece starts at a replacement char.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : PieceWisePreTokenizer
{
    private readonly LiteralPattern _splitOn = new(replacement.ToString());

    protected override void Apply(NormalizedText piece, List<NormalizedText> output)
    {
        if (piece.Length == 0) return;
        var t = piece.Text;
        bool prepend = t[0] != ' ' && t[0] != replacement
            && (scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.OriginalStart == 0));
        var b = new NormalizedTextBuilder(t.Length + 1);
        if (prepend) b.Append(replacement, piece.Starts[0], piece.Ends[0]);
        for (int i = 0; i < t.Length; i++) b.Append(t[i] == ' ' ? replacement : t[i], piece.Starts[i], piece.Ends[i]);
        var replaced = b.Build();
        if (split) TextSplitter.Split(replaced, _splitOn, SplitBehavior.MergedWithNext, false, output);
        else output.Add(replaced);
    }
}

internal static class CharClasses
{
    /// <summary>Rust's char::is_ascii_punctuation || char::is_punctuation (Unicode P*).</summary>
    public static bool IsPunctuation(Rune r) =>
        (r.Value > 0x20 && r.Value < 0x7F && !char.IsAsciiLetterOrDigit((char)r.Value))
        || Rune.IsPunctuation(r);

    /// <summary>Whitespace pre-tokenizer: HF's \w+|[^\w\s]+ with Rust's Unicode \w (letters, marks, Nd, Pc, Nl, joiners).</summary>
    public const string WordOrSymbolRun = @"[\w\p{M}\p{Nl}\u200C\u200D]+|[^\w\p{M}\p{Nl}\u200C\u200D\s]+";
}

internal static class SimplePreTokenizers
{
    public static IPreTokenizer Whitespace() =>
        new SplitPreTokenizer(new RegexPattern(CharClasses.WordOrSymbolRun), SplitBehavior.Removed, invert: true);

    public static IPreTokenizer WhitespaceSplit() =>
        new SplitPreTokenizer(new CharClassPattern(Rune.IsWhiteSpace), SplitBehavior.Removed, invert: false);

    public static IPreTokenizer Digits(bool individual) =>
        new SplitPreTokenizer(new CharClassPattern(Rune.IsNumber),
            individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous, invert: false);

    public static IPreTokenizer Punctuation(SplitBehavior behavior) =>
        new SplitPreTokenizer(new CharClassPattern(CharClasses.IsPunctuation), behavior, invert: false);

    public static IPreTokenizer CharDelimiter(char delimiter) =>
        new SplitPreTokenizer(new CharClassPattern(r => r.Value == delimiter), SplitBehavior.Removed, invert: false);

    public static IPreTokenizer Bert() =>
        new SequencePreTokenizer([WhitespaceSplit(), Punctuation(SplitBehavior.Isolated)]);
}

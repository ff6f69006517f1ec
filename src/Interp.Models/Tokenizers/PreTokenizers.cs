// Pre-tokenizers of HF tokenizer.json ("pre_tokenizer"): ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit,
// Digits, Punctuation, CharDelimiterSplit, BertPreTokenizer, Sequence. Each turns every piece into zero or more pieces.
using System.Text;

namespace Interp.Models.Tokenizers;

internal interface IPreTokenizer
{
    /// <summary>Emits the pre-tokenized parts of one piece, in order; empty parts are dropped. Pieces are streamed
    /// (not collected) so that each dies young: 5 MB of text makes about a million of them.</summary>
    void PreTokenize(NormalizedText piece, Action<NormalizedText> emit);
}

internal static class PreTokenizerExtensions
{
    /// <summary>Replaces the list's pieces by their pre-tokenized parts, in order.</summary>
    public static void PreTokenize(this IPreTokenizer p, List<NormalizedText> pieces)
    {
        var src = pieces.ToArray();
        pieces.Clear();
        foreach (var piece in src) p.PreTokenize(piece, pieces.Add);
    }
}

internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> items) : IPreTokenizer
{
    public void PreTokenize(NormalizedText piece, Action<NormalizedText> emit) => Run(0, piece, emit);

    private void Run(int index, NormalizedText piece, Action<NormalizedText> emit)
    {
        if (index == items.Count) { emit(piece); return; }
        items[index].PreTokenize(piece, p => Run(index + 1, p, emit));
    }
}

internal sealed class SplitPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public void PreTokenize(NormalizedText piece, Action<NormalizedText> emit) =>
        TextSplitter.Split(piece, pattern, behavior, invert, emit);
}

/// <summary>GPT-2 style: optional prefix space, the GPT-2 regex split, then each piece's UTF-8 bytes as byte chars.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private static readonly RegexPattern Gpt2 = new(Gpt2Pattern);

    public void PreTokenize(NormalizedText piece, Action<NormalizedText> emit)
    {
        if (piece.Length == 0) return;
        if (addPrefixSpace && piece.Text[0] != ' ')
        {
            var b = new NormalizedTextBuilder(piece.Length + 1);
            b.Append(' ', piece.StartOf(0), piece.EndOf(0));
            b.AppendFrom(piece, 0, piece.Length);
            piece = b.Build();
        }
        if (!useRegex) { emit(ToByteChars(piece)); return; }
        TextSplitter.Split(piece, Gpt2, SplitBehavior.Isolated, false, p => emit(ToByteChars(p)));
    }

    /// <summary>The piece's UTF-8 bytes as GPT-2 byte chars; each byte char aligns with the whole char it came from.</summary>
    internal static NormalizedText ToByteChars(NormalizedText piece)
    {
        var t = piece.Text;
        if (!t.AsSpan().ContainsAnyExceptInRange('\0', '\u007F'))
            return piece.WithSameAlignment(string.Create(t.Length, t, static (dst, src) =>
            {
                for (int i = 0; i < src.Length; i++) dst[i] = ByteLevelMap.ByteToChar[src[i]];
            }));
        int n = System.Text.Encoding.UTF8.GetByteCount(t);
        var chars = new char[n];
        var starts = new int[n];
        var ends = new int[n];
        Span<byte> utf8 = stackalloc byte[4];
        int k = 0;
        for (int i = 0; i < t.Length;)
        {
            int units = char.IsHighSurrogate(t[i]) && i + 1 < t.Length && char.IsLowSurrogate(t[i + 1]) ? 2 : 1;
            var rune = units == 2 ? new Rune(t[i], t[i + 1]) : Rune.TryCreate(t[i], out var r) ? r : Rune.ReplacementChar;
            int len = rune.EncodeToUtf8(utf8);
            var (os, oe) = piece.OriginalSpan(i, i + units);
            for (int j = 0; j < len; j++, k++) { chars[k] = ByteLevelMap.ByteToChar[utf8[j]]; starts[k] = os; ends[k] = oe; }
            i += units;
        }
        return new NormalizedText(new string(chars), starts, ends);
    }
}

internal enum PrependScheme { Always, First, Never }

/// <summary>SentencePiece style: spaces become the replacement char ("▁"), which is prepended per the scheme, and
/// (with split) each piece starts at a replacement char.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : IPreTokenizer
{
    private readonly LiteralPattern _splitOn = new(replacement.ToString());

    public void PreTokenize(NormalizedText piece, Action<NormalizedText> emit)
    {
        if (piece.Length == 0) return;
        var t = piece.Text;
        bool prepend = t[0] != ' ' && t[0] != replacement
            && (scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.OriginalStart == 0));
        var replaced = piece.WithSameAlignment(t.Replace(' ', replacement));
        if (prepend)
        {
            var b = new NormalizedTextBuilder(t.Length + 1);
            b.Append(replacement, piece.StartOf(0), piece.EndOf(0));
            b.AppendFrom(replaced, 0, replaced.Length);
            replaced = b.Build();
        }
        if (split) TextSplitter.Split(replaced, _splitOn, SplitBehavior.MergedWithNext, false, emit);
        else emit(replaced);
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

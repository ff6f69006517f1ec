// Splitting a NormalizedText by a pattern (regex, literal string, or char class) with Hugging Face's split behaviours
// (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous; invert). Not a pre-tokenizer by itself.
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Interp.Models.Tokenizers;

internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>Finds the segments of a text: matches and the gaps between them, in order, covering the whole text.</summary>
internal abstract class SplitPattern
{
    public abstract void FindMatches(string text, List<(int Start, int End, bool IsMatch)> segments);

    public static SplitBehavior ParseBehavior(string name) => name switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw new NotSupportedException(
            $"split behavior '{name}' is not supported; supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous."),
    };
}

/// <summary>A .NET regex (cached per pattern). Astral letters, digits and marks are matched as their category, not as
/// two surrogate code units (see Shadow), so \p{L} sees "𝐀" as one letter the way Rust/Oniguruma do.</summary>
internal sealed class RegexPattern : SplitPattern
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new();
    public Regex Regex { get; }

    public RegexPattern(string pattern) { Regex = Get(pattern); }

    public static Regex Get(string pattern) => Cache.GetOrAdd(pattern, static p =>
    {
        try { return new Regex(p, RegexOptions.Compiled | RegexOptions.CultureInvariant); }
        catch (ArgumentException ex)
        {
            throw new NotSupportedException($"regex pattern \"{p}\" is not valid .NET regex syntax ({ex.Message}); Oniguruma-only "
                + "constructs such as script classes (\\p{Han}) or possessive quantifiers are not supported.", ex);
        }
    });

    public override void FindMatches(string text, List<(int Start, int End, bool IsMatch)> segments)
    {
        string shadow = Shadow(text);
        int prev = 0;
        for (var m = Regex.Match(shadow); m.Success; m = m.NextMatch())
        {
            int s = AlignToScalar(text, m.Index), e = AlignToScalar(text, m.Index + m.Length);
            if (s < prev) s = prev;
            if (e < s) continue;
            if (s > prev) segments.Add((prev, s, false));
            segments.Add((s, e, true));
            prev = e;
        }
        if (prev < text.Length) segments.Add((prev, text.Length, false));
    }

    /// <summary>Moves a position that falls between a surrogate pair's halves to after the pair.</summary>
    private static int AlignToScalar(string text, int pos) =>
        pos > 0 && pos < text.Length && char.IsHighSurrogate(text[pos - 1]) && char.IsLowSurrogate(text[pos]) ? pos + 1 : pos;

    /// <summary>The text with each astral letter/digit/mark pair replaced by two BMP chars of the same general category,
    /// so category classes match it; other astral chars (emoji: So) stay, their surrogates already count as "other".</summary>
    internal static string Shadow(string text)
    {
        int i = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDBFF');
        if (i < 0) return text;
        char[]? buf = null;
        for (; i < text.Length - 1; i++)
        {
            if (!char.IsHighSurrogate(text[i]) || !char.IsLowSurrogate(text[i + 1])) continue;
            char rep = Representative(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1])));
            if (rep != '\0')
            {
                buf ??= text.ToCharArray();
                buf[i] = rep; buf[i + 1] = rep;
            }
            i++;
        }
        return buf is null ? text : new string(buf);
    }

    private static char Representative(UnicodeCategory cat) => cat switch
    {
        UnicodeCategory.UppercaseLetter => 'A',
        UnicodeCategory.LowercaseLetter => 'a',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '0',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        _ => '\0',
    };
}

/// <summary>Every non-overlapping occurrence of a literal string.</summary>
internal sealed class LiteralPattern(string literal) : SplitPattern
{
    public override void FindMatches(string text, List<(int Start, int End, bool IsMatch)> segments)
    {
        int prev = 0;
        if (literal.Length > 0)
        {
            for (int at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0;
                 at = text.IndexOf(literal, prev, StringComparison.Ordinal))
            {
                if (at > prev) segments.Add((prev, at, false));
                segments.Add((at, at + literal.Length, true));
                prev = at + literal.Length;
            }
        }
        if (prev < text.Length) segments.Add((prev, text.Length, false));
    }
}

/// <summary>Every char (Unicode scalar) for which the predicate holds is a match of its own.</summary>
internal sealed class CharClassPattern(Func<Rune, bool> isMatch) : SplitPattern
{
    public override void FindMatches(string text, List<(int Start, int End, bool IsMatch)> segments)
    {
        int prev = 0, i = 0;
        while (i < text.Length)
        {
            int len = Rune.DecodeFromUtf16(text.AsSpan(i), out var r, out int used) == System.Buffers.OperationStatus.Done ? used : 1;
            if (len == 1 && char.IsSurrogate(text[i])) r = Rune.ReplacementChar;
            if (isMatch(r))
            {
                if (i > prev) segments.Add((prev, i, false));
                segments.Add((i, i + len, true));
                prev = i + len;
            }
            i += len;
        }
        if (prev < text.Length) segments.Add((prev, text.Length, false));
    }
}

internal static class TextSplitter
{
    /// <summary>Splits text by pattern with HF's behaviour semantics and appends the non-empty parts to output.</summary>
    public static void Split(NormalizedText text, SplitPattern pattern, SplitBehavior behavior, bool invert, List<NormalizedText> output) =>
        Split(text, pattern, behavior, invert, output.Add);

    /// <summary>Splits text by pattern with HF's behaviour semantics and emits the non-empty parts in order.</summary>
    public static void Split(NormalizedText text, SplitPattern pattern, SplitBehavior behavior, bool invert, Action<NormalizedText> emit)
    {
        var segs = new List<(int Start, int End, bool IsMatch)>();
        pattern.FindMatches(text.Text, segs);
        if (invert) for (int i = 0; i < segs.Count; i++) segs[i] = (segs[i].Start, segs[i].End, !segs[i].IsMatch);

        // (start, end, remove) after applying the behaviour, as HF's NormalizedString::split does.
        var parts = new List<(int Start, int End, bool Remove)>(segs.Count);
        bool prevMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var s in segs) parts.Add((s.Start, s.End, false));
                break;
            case SplitBehavior.Removed:
                foreach (var s in segs) parts.Add((s.Start, s.End, s.IsMatch));
                break;
            case SplitBehavior.Contiguous:
                foreach (var s in segs)
                {
                    if (s.IsMatch == prevMatch && parts.Count > 0) parts[^1] = (parts[^1].Start, s.End, false);
                    else parts.Add((s.Start, s.End, false));
                    prevMatch = s.IsMatch;
                }
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var s in segs)
                {
                    if (s.IsMatch && !prevMatch && parts.Count > 0) parts[^1] = (parts[^1].Start, s.End, false);
                    else parts.Add((s.Start, s.End, false));
                    prevMatch = s.IsMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                for (int k = segs.Count - 1; k >= 0; k--)
                {
                    var s = segs[k];
                    if (s.IsMatch && !prevMatch && parts.Count > 0) parts[^1] = (s.Start, parts[^1].End, false);
                    else parts.Add((s.Start, s.End, false));
                    prevMatch = s.IsMatch;
                }
                parts.Reverse();
                break;
        }
        foreach (var p in parts)
            if (!p.Remove && p.End > p.Start) emit(text.Slice(p.Start, p.End));
    }
}

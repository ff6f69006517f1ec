// Normalizers of HF tokenizer.json ("normalizer"): Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD, Lowercase, Strip.
// Each rewrites a NormalizedText and keeps every output char aligned to the original chars it came from.
using System.Text;

namespace Interp.Models.Tokenizers;

internal interface INormalizer
{
    NormalizedText Normalize(NormalizedText text);
}

internal static class NormalizerExtensions
{
    /// <summary>Normalizes a plain string (used for the contents of normalized added tokens).</summary>
    public static string NormalizeString(this INormalizer n, string s) =>
        n.Normalize(NormalizedText.FromOriginal(s, 0, s.Length)).Text;
}

internal sealed class SequenceNormalizer(IReadOnlyList<INormalizer> items) : INormalizer
{
    public NormalizedText Normalize(NormalizedText text)
    {
        foreach (var n in items) text = n.Normalize(text);
        return text;
    }
}

/// <summary>Prepends a string to non-empty text; the added chars align with the first char, as in HF.</summary>
internal sealed class PrependNormalizer(string prefix) : INormalizer
{
    public NormalizedText Normalize(NormalizedText text)
    {
        if (text.Length == 0 || prefix.Length == 0) return text;
        var b = new NormalizedTextBuilder(text.Length + prefix.Length);
        b.Append(prefix, text.StartOf(0), text.EndOf(0));
        b.AppendFrom(text, 0, text.Length);
        return b.Build();
    }
}

/// <summary>Replaces every match of a pattern with content; the content chars align with the matched span.</summary>
internal sealed class ReplaceNormalizer(SplitPattern pattern, string content) : INormalizer
{
    public NormalizedText Normalize(NormalizedText text)
    {
        var segs = new List<(int Start, int End, bool IsMatch)>();
        pattern.FindMatches(text.Text, segs);
        if (!segs.Exists(s => s.IsMatch)) return text;
        var b = new NormalizedTextBuilder(text.Length);
        foreach (var (s, e, isMatch) in segs)
        {
            if (!isMatch) { b.AppendFrom(text, s, e); continue; }
            var (os, oe) = text.OriginalSpan(s, e);
            b.Append(content, os, oe);
        }
        return b.Build();
    }
}

/// <summary>Lowercases per Unicode scalar like Rust's char::to_lowercase ("İ" becomes "i\u0307").</summary>
internal sealed class LowercaseNormalizer : INormalizer
{
    public NormalizedText Normalize(NormalizedText text)
    {
        var t = text.Text;
        if (t.IndexOf('\u0130') < 0)
        {
            var lower = t.ToLowerInvariant(); // per-scalar simple mapping; same length
            if (lower.Length == t.Length) return text.WithSameAlignment(lower);
        }
        var b = new NormalizedTextBuilder(text.Length);
        for (int i = 0; i < t.Length;)
        {
            if (char.IsHighSurrogate(t[i]) && i + 1 < t.Length && char.IsLowSurrogate(t[i + 1]))
            {
                var lower = Rune.ToLowerInvariant(new Rune(t[i], t[i + 1])).ToString();
                b.Append(lower, text.StartOf(i), text.EndOf(i + 1));
                i += 2;
                continue;
            }
            if (t[i] == '\u0130') b.Append("i\u0307", text.StartOf(i), text.EndOf(i));
            else b.Append(char.ToLowerInvariant(t[i]), text.StartOf(i), text.EndOf(i));
            i++;
        }
        return b.Build();
    }
}

/// <summary>Removes leading and/or trailing whitespace.</summary>
internal sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    public NormalizedText Normalize(NormalizedText text)
    {
        int s = 0, e = text.Length;
        if (left) while (s < e && char.IsWhiteSpace(text.Text[s])) s++;
        if (right) while (e > s && char.IsWhiteSpace(text.Text[e - 1])) e--;
        return text.Slice(s, e);
    }
}

/// <summary>Unicode normalization forms through ICU (the runtime here runs in invariant-globalization mode, where
/// string.Normalize does nothing). The text is normalized in chunks that start at a char with combining class 0 and
/// no composition to its left, so each output chunk aligns with its input chunk.</summary>
internal sealed class UnicodeNormalizer : INormalizer
{
    private readonly IcuNormalization.Form _form;

    public UnicodeNormalizer(IcuNormalization.Form form)
    {
        _form = form;
        IcuNormalization.EnsureAvailable(form);
    }

    public NormalizedText Normalize(NormalizedText text)
    {
        var t = text.Text;
        if (IcuNormalization.IsNormalized(t, _form)) return text;
        var b = new NormalizedTextBuilder(t.Length);
        int start = 0;
        for (int i = 1; i <= t.Length; i++)
        {
            if (i < t.Length && !IcuNormalization.HasBoundaryBefore(t, i, _form)) continue;
            var (os, oe) = text.OriginalSpan(start, i);
            if (i - start == 1 && t[start] < 0x80) b.Append(t[start], os, oe);
            else b.Append(IcuNormalization.Normalize(t[start..i], _form), os, oe);
            start = i;
        }
        return b.Build();
    }
}

// A piece of text being tokenized, plus for each of its UTF-16 chars the [start, end) span of the ORIGINAL input it
// came from, so normalizers and pre-tokenizers can rewrite text while token offsets still point into the user's string.
using System.Text;

namespace Interp.Models.Tokenizers;

internal sealed class NormalizedText
{
    public string Text { get; }
    public int[] Starts { get; } // [Text.Length] original start of each char
    public int[] Ends { get; }   // [Text.Length] original end of each char

    public NormalizedText(string text, int[] starts, int[] ends)
    {
        if (starts.Length != text.Length || ends.Length != text.Length)
            throw new ArgumentException($"alignment arrays must have the text's length {text.Length}; got {starts.Length} and {ends.Length}.");
        Text = text; Starts = starts; Ends = ends;
    }

    public int Length => Text.Length;

    /// <summary>original[start, end) with identity alignment (char i of the slice comes from original char start + i).</summary>
    public static NormalizedText FromOriginal(string original, int start, int end)
    {
        int n = end - start;
        var s = new int[n]; var e = new int[n];
        for (int i = 0; i < n; i++) { s[i] = start + i; e[i] = start + i + 1; }
        return new NormalizedText(original.Substring(start, n), s, e);
    }

    public NormalizedText Slice(int start, int end)
    {
        if (start == 0 && end == Text.Length) return this;
        return new NormalizedText(Text[start..end], Starts[start..end], Ends[start..end]);
    }

    /// <summary>The original span covered by chars [start, end) of this text (start == end gives an empty span there).</summary>
    public (int Start, int End) OriginalSpan(int start, int end)
    {
        if (start >= end)
        {
            int at = start < Text.Length ? Starts[start] : Text.Length > 0 ? Ends[^1] : 0;
            return (at, at);
        }
        int s = int.MaxValue, e = int.MinValue;
        for (int i = start; i < end; i++) { s = Math.Min(s, Starts[i]); e = Math.Max(e, Ends[i]); }
        return (s, e);
    }

    /// <summary>Original start of the first char, or -1 for empty text.</summary>
    public int OriginalStart => Text.Length > 0 ? Starts[0] : -1;
}

/// <summary>Builds a NormalizedText char by char, each appended char carrying the original span it stands for.</summary>
internal sealed class NormalizedTextBuilder
{
    private readonly StringBuilder _text;
    private readonly List<int> _starts, _ends;

    public NormalizedTextBuilder(int capacity)
    {
        _text = new StringBuilder(capacity); _starts = new List<int>(capacity); _ends = new List<int>(capacity);
    }

    public void Append(char c, int origStart, int origEnd)
    {
        _text.Append(c); _starts.Add(origStart); _ends.Add(origEnd);
    }

    public void Append(string s, int origStart, int origEnd)
    {
        foreach (char c in s) Append(c, origStart, origEnd);
    }

    /// <summary>Copies chars [start, end) of src with their own alignment.</summary>
    public void AppendFrom(NormalizedText src, int start, int end)
    {
        for (int i = start; i < end; i++) Append(src.Text[i], src.Starts[i], src.Ends[i]);
    }

    public NormalizedText Build() => new(_text.ToString(), _starts.ToArray(), _ends.ToArray());
}

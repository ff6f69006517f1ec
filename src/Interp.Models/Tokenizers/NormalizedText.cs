// A piece of text being tokenized, plus for each of its UTF-16 chars the [start, end) span of the ORIGINAL input it
// came from, so normalizers and pre-tokenizers can rewrite text while token offsets still point into the user's string.
using System.Text;

namespace Interp.Models.Tokenizers;

/// <summary>Text with per-char original spans. Slices share the alignment arrays (no copy); text cut straight from the
/// original has no arrays at all (char i came from original char Offset + i).</summary>
internal sealed class NormalizedText
{
    private readonly int[]? _starts, _ends; // [>= offset + Text.Length] or null for identity alignment
    private readonly int _offset;

    public string Text { get; }

    public NormalizedText(string text, int[] starts, int[] ends) : this(text, starts, ends, 0)
    {
        if (starts.Length != text.Length || ends.Length != text.Length)
            throw new ArgumentException($"alignment arrays must have the text's length {text.Length}; got {starts.Length} and {ends.Length}.");
    }

    private NormalizedText(string text, int[]? starts, int[]? ends, int offset)
    {
        Text = text; _starts = starts; _ends = ends; _offset = offset;
    }

    public int Length => Text.Length;

    /// <summary>original[start, end) with identity alignment (char i of the result comes from original char start + i).</summary>
    public static NormalizedText FromOriginal(string original, int start, int end) =>
        new(start == 0 && end == original.Length ? original : original[start..end], null, null, start);

    /// <summary>Original start / end of char i.</summary>
    public int StartOf(int i) => _starts is null ? _offset + i : _starts[_offset + i];
    public int EndOf(int i) => _ends is null ? _offset + i + 1 : _ends[_offset + i];

    public NormalizedText Slice(int start, int end)
    {
        if (start == 0 && end == Text.Length) return this;
        return new NormalizedText(Text[start..end], _starts, _ends, _offset + start);
    }

    /// <summary>The same alignment under a different text of the same length (a char-for-char rewrite).</summary>
    public NormalizedText WithSameAlignment(string text)
    {
        if (text.Length != Text.Length) throw new ArgumentException($"replacement text must keep the length {Text.Length}; got {text.Length}.");
        return new NormalizedText(text, _starts, _ends, _offset);
    }

    /// <summary>The original span covered by chars [start, end) of this text (start == end gives an empty span there).</summary>
    public (int Start, int End) OriginalSpan(int start, int end)
    {
        if (start >= end)
        {
            int at = start < Text.Length ? StartOf(start) : Text.Length > 0 ? EndOf(Text.Length - 1) : _offset;
            return (at, at);
        }
        if (_starts is null) return (_offset + start, _offset + end);
        int s = int.MaxValue, e = int.MinValue;
        for (int i = start; i < end; i++) { s = Math.Min(s, _starts[_offset + i]); e = Math.Max(e, _ends![_offset + i]); }
        return (s, e);
    }

    /// <summary>Original start of the first char, or -1 for empty text.</summary>
    public int OriginalStart => Text.Length > 0 ? StartOf(0) : -1;
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
        for (int i = start; i < end; i++) Append(src.Text[i], src.StartOf(i), src.EndOf(i));
    }

    public NormalizedText Build() => new(_text.ToString(), _starts.ToArray(), _ends.ToArray());
}

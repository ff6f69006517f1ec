// Added tokens of HF tokenizer.json ("added_tokens"): matched in the text before pre-tokenization, leftmost then longest,
// with single_word / lstrip / rstrip; "normalized" ones are matched in normalized text. Not the model's vocabulary.
using System.Buffers;
using System.Text;

namespace Interp.Models.Tokenizers;

public sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LStrip = false,
    bool RStrip = false, bool Normalized = false);

/// <summary>A part of a text: either a run of ordinary text [Start, End) or an added token matched there.</summary>
internal readonly record struct TextPart(int Start, int End, AddedToken? Token);

internal sealed class AddedVocabulary
{
    private readonly Dictionary<int, AddedToken> _byId = new();
    private readonly Dictionary<string, AddedToken> _byContent = new(StringComparer.Ordinal);
    private readonly Matcher _raw, _normalized;

    public AddedVocabulary(IEnumerable<AddedToken> tokens, INormalizer? normalizer)
    {
        var raw = new List<(string, AddedToken)>();
        var norm = new List<(string, AddedToken)>();
        foreach (var t in tokens)
        {
            if (t.Content.Length == 0) throw new ArgumentException($"added token id {t.Id} has empty content; every added token needs text.");
            _byId[t.Id] = t;
            _byContent[t.Content] = t;
            if (t.Normalized && normalizer is not null) norm.Add((normalizer.NormalizeString(t.Content), t));
            else raw.Add((t.Content, t));
        }
        _raw = new Matcher(raw);
        _normalized = new Matcher(norm);
    }

    public IReadOnlyCollection<AddedToken> Tokens => _byId.Values;
    public AddedToken? ById(int id) => _byId.GetValueOrDefault(id);
    public AddedToken? ByContent(string content) => _byContent.GetValueOrDefault(content);
    public int MaxId => _byId.Count == 0 ? -1 : _byId.Keys.Max();

    /// <summary>Splits raw text by the added tokens that are matched before normalization.</summary>
    public void SplitRaw(string text, List<TextPart> parts) => _raw.Split(text, parts);

    /// <summary>Splits normalized text by the added tokens that are matched after normalization.</summary>
    public void SplitNormalized(string text, List<TextPart> parts) => _normalized.Split(text, parts);

    private sealed class Matcher
    {
        private readonly Dictionary<char, (string Content, AddedToken Token)[]> _byFirst = new();
        private readonly SearchValues<char> _firsts;

        public Matcher(List<(string Content, AddedToken Token)> items)
        {
            foreach (var g in items.Where(i => i.Content.Length > 0).GroupBy(i => i.Content[0]))
                _byFirst[g.Key] = g.OrderByDescending(i => i.Content.Length).ToArray();
            _firsts = SearchValues.Create(_byFirst.Keys.ToArray());
        }

        public void Split(string text, List<TextPart> parts)
        {
            int textStart = 0; // start of the pending ordinary text
            int i = 0;
            while (_byFirst.Count > 0 && i < text.Length)
            {
                int rel = text.AsSpan(i).IndexOfAny(_firsts);
                if (rel < 0) break;
                i += rel;
                if (!TryMatch(text, i, out var cand))
                {
                    i++;
                    continue;
                }
                int s = i, e = i + cand.Content.Length;
                if (cand.Token.LStrip) while (s > textStart && char.IsWhiteSpace(text[s - 1])) s--;
                if (cand.Token.RStrip) while (e < text.Length && char.IsWhiteSpace(text[e])) e++;
                if (s > textStart) parts.Add(new TextPart(textStart, s, null));
                parts.Add(new TextPart(s, e, cand.Token));
                textStart = i = e;
            }
            if (textStart < text.Length) parts.Add(new TextPart(textStart, text.Length, null));
        }

        private bool TryMatch(string text, int at, out (string Content, AddedToken Token) match)
        {
            foreach (var c in _byFirst[text[at]])
            {
                if (!text.AsSpan(at).StartsWith(c.Content, StringComparison.Ordinal)) continue;
                if (c.Token.SingleWord && (IsWordCharBefore(text, at) || IsWordCharAt(text, at + c.Content.Length))) continue;
                match = c;
                return true;
            }
            match = default;
            return false;
        }

        private static bool IsWordCharAt(string s, int i) =>
            i < s.Length && Rune.DecodeFromUtf16(s.AsSpan(i), out var r, out _) == OperationStatus.Done && IsWord(r);

        private static bool IsWordCharBefore(string s, int i) =>
            i > 0 && Rune.DecodeLastFromUtf16(s.AsSpan(0, i), out var r, out _) == OperationStatus.Done && IsWord(r);

        private static bool IsWord(Rune r) => Rune.IsLetterOrDigit(r) || r.Value == '_'
            || Rune.GetUnicodeCategory(r) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark;
    }
}

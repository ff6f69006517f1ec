// What the offline (lexical) scorers read from an explanation: the tokens it says the feature fires on (in its order)
// and the tokens it says come just before. An offline label parses exactly (OfflineLabel); any other text — an LLM's
// explanation — gives its quoted strings and its content words as firing tokens and no context. Keys compare as
// OfflineLabel.Key does (trimmed, lower-case).
using System.Text.RegularExpressions;
using Interp.Agent.Explainers;

namespace Interp.Agent.Scoring;

public sealed partial record LexicalTerms(IReadOnlyList<string> FiresOn, IReadOnlyList<string> After)
{
    private static readonly HashSet<string> Stop = new(StringComparer.Ordinal)
    {
        "the", "a", "an", "of", "to", "in", "on", "at", "and", "or", "is", "are", "be", "as", "by", "for", "with", "that", "this",
        "it", "its", "from", "word", "words", "token", "tokens", "feature", "fires", "activates", "mentions", "references",
        "such", "like", "e.g", "eg", "related", "about", "text", "especially", "often", "usually", "after", "before",
    };

    /// <summary>The terms of <paramref name="explanation"/> (keys, order kept, duplicates dropped).</summary>
    public static LexicalTerms From(string explanation)
    {
        if (OfflineLabel.TryParse(explanation, out var label))
            return new LexicalTerms(Keys(label.FiresOn), Keys(label.After));
        var terms = new List<string>();
        foreach (Match m in Quoted().Matches(explanation)) terms.Add(m.Groups[1].Value);
        foreach (Match m in WordRx().Matches(Quoted().Replace(explanation, " ")))
            if (!Stop.Contains(m.Value.ToLowerInvariant())) terms.Add(m.Value);
        return new LexicalTerms(Keys(terms), []);
    }

    /// <summary>The text an embedding model compares with examples: the firing and context tokens, space-separated (for an
    /// offline label), else the explanation itself.</summary>
    public static string EmbeddingText(string explanation) =>
        OfflineLabel.TryParse(explanation, out var l) ? string.Join(" ", l.FiresOn.Concat(l.After)) : explanation;

    /// <summary>Rank of a token among the firing terms (0 = first), or -1.</summary>
    public int FiresRank(string token)
    {
        var k = OfflineLabel.Key(token);
        for (int i = 0; i < FiresOn.Count; i++) if (FiresOn[i] == k) return i;
        return -1;
    }

    public bool IsAfter(string token)
    {
        var k = OfflineLabel.Key(token);
        return After.Contains(k);
    }

    /// <summary>Whether <paramref name="text"/> contains a firing term: as a whole word for terms of letters and digits,
    /// as a substring otherwise (punctuation tokens). Case-insensitive.</summary>
    public bool MentionedIn(string text)
    {
        var lower = text.ToLowerInvariant();
        foreach (var t in FiresOn)
        {
            if (t.Length == 0) continue;
            if (!t.All(char.IsLetterOrDigit)) { if (lower.Contains(t, StringComparison.Ordinal)) return true; continue; }
            for (int at = lower.IndexOf(t, StringComparison.Ordinal); at >= 0; at = lower.IndexOf(t, at + 1, StringComparison.Ordinal))
            {
                bool startOk = at == 0 || !char.IsLetterOrDigit(lower[at - 1]);
                bool endOk = at + t.Length == lower.Length || !char.IsLetterOrDigit(lower[at + t.Length]);
                if (startOk && endOk) return true;
            }
        }
        return false;
    }

    private static List<string> Keys(IEnumerable<string> tokens) => tokens.Select(OfflineLabel.Key).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'-]*")]
    private static partial Regex WordRx();
}

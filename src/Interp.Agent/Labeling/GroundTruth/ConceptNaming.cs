// Does a feature's label name a planted toy-world concept? Word categories (animal, colour, …): an offline label names one
// when it lists at least three of the category's words and none of another category's (counted over the whole label, and
// separately over its "fires on" part); any other label (an LLM's) names it by the category's name or that same word
// rule. Delimiters (inside quotes / brackets): the label lists the delimiter token or names it. Relational concepts
// (repeats, induction, successor runs, IOI roles) need their words ("repeat", "indirect object", …), which an offline
// token list cannot contain. The rules are lexical, stated here once, and the same for every SAE.
using Interp.Agent.Explainers;
using Interp.Evals.ToyWorld;

namespace Interp.Agent.Labeling.GroundTruth;

public static class ConceptKinds
{
    public const string Category = "category", Delimiter = "delimiter", Relational = "relational";

    public static string Of(string concept) =>
        concept.StartsWith("category:", StringComparison.Ordinal) ? Category : concept is "in_quote" or "in_bracket" ? Delimiter : Relational;
}

/// <param name="Named">the label names the concept (whole label)</param>
/// <param name="NamedFiresOn">for offline labels: the "fires on" list alone names it (null for other labels)</param>
/// <param name="Why">the counts behind the verdict</param>
public sealed record NamingVerdict(bool Named, bool? NamedFiresOn, string Why);

public static class ConceptNaming
{
    public const int MinWords = 3;

    private static readonly Dictionary<string, string[]> Keywords = new(StringComparer.Ordinal)
    {
        ["in_quote"] = ["quote", "quotation", "quoted", "speech"],
        ["in_bracket"] = ["bracket", "parenthes", "parenthetical"],
        ["is_repeat"] = ["repeat", "repetition", "copied", "copy", "second occurrence"],
        ["induction_predictable"] = ["induction", "repeat", "predictable", "copy", "previously seen"],
        ["successor_run"] = ["successor", "sequence", "next in", "counting", "consecutive"],
        ["ioi:S1"] = ["subject", "first mention"], ["ioi:IO"] = ["indirect object", "recipient"],
        ["ioi:S2"] = ["subject", "second mention", "repeated name"], ["ioi:END"] = ["end of", "before the recipient", "after \"to\""],
    };

    public static NamingVerdict Names(string concept, string label)
    {
        bool offline = OfflineLabel.TryParse(label, out var parsed);
        string kind = ConceptKinds.Of(concept);
        if (kind == ConceptKinds.Category)
        {
            var category = concept["category:".Length..];
            if (offline)
            {
                var whole = Count(category, parsed.FiresOn.Concat(parsed.After).Concat(parsed.Promotes).Concat(parsed.Suppresses));
                var fires = Count(category, parsed.FiresOn);
                return new NamingVerdict(whole.Own >= MinWords && whole.Other == 0, fires.Own >= MinWords && fires.Other == 0,
                    $"lists {whole.Own} {category} words and {whole.Other} of other categories ({fires.Own} and {fires.Other} in \"fires on\")");
            }
            var words = label.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(w => w.Trim(',', '.', ';', ':', '"', '(', ')'));
            var c = Count(category, words);
            bool byName = label.Contains(category, StringComparison.OrdinalIgnoreCase) || (category == "colour" && label.Contains("color", StringComparison.OrdinalIgnoreCase));
            return new NamingVerdict(byName || (c.Own >= MinWords && c.Other == 0), null,
                $"{(byName ? "names the category" : "does not name the category")}; lists {c.Own} {category} words and {c.Other} of other categories");
        }
        if (kind == ConceptKinds.Delimiter)
        {
            string token = concept == "in_quote" ? Lexicon.Quote : Lexicon.Open;
            bool listed = offline && parsed.FiresOn.Concat(parsed.After).Contains(token);
            bool named = KeywordIn(concept, label);
            return new NamingVerdict(listed || named, offline ? parsed.FiresOn.Contains(token) : null,
                listed ? $"lists the {token} token" : named ? "names the delimiter" : $"neither lists {token} nor names it");
        }
        bool hit = KeywordIn(concept, label);
        return new NamingVerdict(hit, offline ? false : null, hit ? "names the relation" : "no word for the relation (a token list cannot name it)");
    }

    private static bool KeywordIn(string concept, string label) =>
        Keywords.TryGetValue(concept, out var ks) && ks.Any(k => label.Contains(k, StringComparison.OrdinalIgnoreCase));

    /// <summary>Distinct listed words of <paramref name="category"/> and of every other category (case-insensitive).</summary>
    private static (int Own, int Other) Count(string category, IEnumerable<string> tokens)
    {
        var own = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var other = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in tokens)
        {
            var w = t.Trim();
            var c = Lexicon.Categories.FirstOrDefault(x => x.Words.Contains(w, StringComparer.OrdinalIgnoreCase)).Name;
            if (c is null) continue;
            (c == category ? own : other).Add(w);
        }
        return (own.Count, other.Count);
    }
}

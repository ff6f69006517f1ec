// The offline explainer's label as data and as its one readable line:
//   offline description: fires on "cat", "dog" (71% of activation); often after "the"; promotes "sat"; suppresses "of"
// Tokens are quoted with \" \\ \n \t \r escapes, so the line parses back exactly (the lexical simulator, the lexical
// judge and the embedding scorer read it). Also the token key every offline component matches on.
using System.Globalization;
using System.Text;

namespace Interp.Agent.Explainers;

/// <param name="FiresOn">the tokens carrying most of the activation mass, largest first</param>
/// <param name="Share">the fraction of the explain set's activation mass on those tokens</param>
/// <param name="After">preceding tokens that carry most of the mass (empty when the context is not concentrated)</param>
public sealed record OfflineLabel(IReadOnlyList<string> FiresOn, double Share, IReadOnlyList<string> After,
    IReadOnlyList<string> Promotes, IReadOnlyList<string> Suppresses)
{
    public const string Prefix = "offline description: ";
    private const string Fires = "fires on ", AfterWord = "often after ", PromotesWord = "promotes ", SuppressesWord = "suppresses ";

    /// <summary>How tokens are compared: trimmed and lower-cased (" The" and "the" are one token); a token that is only
    /// whitespace keeps its exact text.</summary>
    public static string Key(string token)
    {
        var t = token.Trim();
        return t.Length == 0 ? token : t.ToLowerInvariant();
    }

    /// <summary>How a token is shown: trimmed (whitespace-only tokens as they are).</summary>
    public static string Display(string token)
    {
        var t = token.Trim();
        return t.Length == 0 ? token : t;
    }

    public string Render()
    {
        var sb = new StringBuilder(Prefix).Append(Fires).Append(List(FiresOn))
            .Append(CultureInfo.InvariantCulture, $" ({Math.Round(Share * 100)}% of activation)");
        if (After.Count > 0) sb.Append("; ").Append(AfterWord).Append(List(After));
        if (Promotes.Count > 0) sb.Append("; ").Append(PromotesWord).Append(List(Promotes));
        if (Suppresses.Count > 0) sb.Append("; ").Append(SuppressesWord).Append(List(Suppresses));
        return sb.ToString();
    }

    /// <summary>Reads a rendered offline label back; false for any other text (an LLM's explanation, say).</summary>
    public static bool TryParse(string text, out OfflineLabel label)
    {
        label = null!;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        int i = Prefix.Length;
        if (!Word(text, ref i, Fires) || !Strings(text, ref i, out var fires)) return false;
        double share = 0;
        if (text.AsSpan(i).StartsWith(" ("))
        {
            int close = text.IndexOf("% of activation)", i, StringComparison.Ordinal);
            if (close < 0 || !double.TryParse(text.AsSpan(i + 2, close - i - 2), NumberStyles.Float, CultureInfo.InvariantCulture, out share)) return false;
            share /= 100;
            i = close + "% of activation)".Length;
        }
        List<string> after = [], promotes = [], suppresses = [];
        while (i < text.Length)
        {
            if (!Word(text, ref i, "; ")) return false;
            if (Word(text, ref i, AfterWord)) { if (!Strings(text, ref i, out after)) return false; }
            else if (Word(text, ref i, PromotesWord)) { if (!Strings(text, ref i, out promotes)) return false; }
            else if (Word(text, ref i, SuppressesWord)) { if (!Strings(text, ref i, out suppresses)) return false; }
            else return false;
        }
        label = new OfflineLabel(fires, share, after, promotes, suppresses);
        return true;
    }

    private static string List(IEnumerable<string> tokens) => string.Join(", ", tokens.Select(Quote));

    private static string Quote(string t)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in t)
            sb.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\t' => "\\t", '\r' => "\\r", _ => c.ToString() });
        return sb.Append('"').ToString();
    }

    private static bool Word(string s, ref int i, string word)
    {
        if (!s.AsSpan(i).StartsWith(word, StringComparison.Ordinal)) return false;
        i += word.Length;
        return true;
    }

    private static bool Strings(string s, ref int i, out List<string> items)
    {
        items = [];
        do
        {
            if (i >= s.Length || s[i] != '"') return false;
            var sb = new StringBuilder();
            for (i++; ; i++)
            {
                if (i >= s.Length) return false;
                char c = s[i];
                if (c == '"') { i++; break; }
                if (c != '\\') { sb.Append(c); continue; }
                if (++i >= s.Length) return false;
                sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var x => x });
            }
            items.Add(sb.ToString());
        } while (Word(s, ref i, ", "));
        return true;
    }
}

// "Did you mean": edit distance between names, used wherever a bad name (hook, config key, enum value) gets the
// nearest valid ones suggested in its error message.
namespace Interp.Errors;

public static class NameSuggestions
{
    /// <summary>Levenshtein distance (insertions, deletions and substitutions each cost 1).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) d[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int prev = d[0]; d[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return d[b.Length];
    }

    /// <summary>The <paramref name="count"/> candidates nearest to <paramref name="name"/>, nearest first; a candidate
    /// that extends the name or is extended by it ("unk" and "unk_token") comes before one that is merely short.</summary>
    public static IEnumerable<string> Nearest(IEnumerable<string> candidates, string name, int count = 3) =>
        candidates.OrderBy(c => c.StartsWith(name, StringComparison.Ordinal) || name.StartsWith(c, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(c => Distance(c, name)).ThenBy(c => c, StringComparer.Ordinal).Take(count);
}

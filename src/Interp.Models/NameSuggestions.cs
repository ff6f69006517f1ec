// Kept for callers in this assembly: the implementation moved to Interp.Errors.NameSuggestions (Interp.Tensors), where
// the config reader needs it too.
namespace Interp.Models;

public static class NameSuggestions
{
    public static int Distance(string a, string b) => Interp.Errors.NameSuggestions.Distance(a, b);

    /// <summary>The <paramref name="count"/> candidates nearest to <paramref name="name"/> by edit distance, nearest first.</summary>
    public static IEnumerable<string> Nearest(IEnumerable<string> candidates, string name, int count = 3) =>
        candidates.OrderBy(c => Distance(c, name)).Take(count);
}

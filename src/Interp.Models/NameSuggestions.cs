// Kept for callers in this assembly: the implementation moved to Interp.Errors.NameSuggestions (Interp.Tensors), where
// the config reader needs it too.
namespace Interp.Models;

public static class NameSuggestions
{
    public static int Distance(string a, string b) => Interp.Errors.NameSuggestions.Distance(a, b);

    public static IEnumerable<string> Nearest(IEnumerable<string> candidates, string name, int count = 3) =>
        Interp.Errors.NameSuggestions.Nearest(candidates, name, count);
}

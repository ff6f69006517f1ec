// Turns System.Text.Json's exception messages into text for people: line and column instead of "LineNumber: 0 |
// BytePositionInLine: 7", and never a .NET type name ("could not be converted to System.Int64[][]").
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Interp.Errors;

public static partial class JsonErrorText
{
    /// <summary>What is wrong with the JSON, with its line and column (1-based) when known.</summary>
    public static string Describe(JsonException e)
    {
        string m = e.Message;
        int cut = m.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = m.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut >= 0) m = m[..cut];
        m = m.Trim().TrimEnd('.');
        if (m.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) || TypeName().IsMatch(m))
            m = e.Path is { Length: > 1 } ? $"the value at {e.Path} has the wrong type" : "a value has the wrong type";
        else if (e.Path is { Length: > 1 }) m += $" (at {e.Path})";
        return e.LineNumber is { } line ? $"{m} (line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1})" : m;
    }

    [GeneratedRegex(@"\bSystem\.[A-Z]\w*")]
    private static partial Regex TypeName();
}

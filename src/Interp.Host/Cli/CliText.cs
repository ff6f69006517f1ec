// Makes System.CommandLine's parse-error messages read like ours: "as an integer", not "as expected type 'System.Int32'".
using System.Text.RegularExpressions;

namespace Interp.Host.Cli;

internal static partial class CliText
{
    public static string Sanitize(string message) => TypeNames().Replace(message, m => m.Groups[1].Value switch
    {
        "Int32" or "Int64" or "Int16" or "Byte" or "SByte" => "an integer",
        "UInt32" or "UInt64" or "UInt16" => "a non-negative integer",
        "Double" or "Single" or "Decimal" => "a number",
        "Boolean" => "true or false",
        "String" => "text",
        _ => "a value of the right kind",
    });

    [GeneratedRegex(@"expected type '(?:System\.)?(?:Nullable`1\[)?(?:System\.)?(\w+)\]?'")]
    private static partial Regex TypeNames();
}

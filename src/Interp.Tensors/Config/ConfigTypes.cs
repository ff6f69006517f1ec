// How config types read in messages ("an integer", "one of \"gelu\", \"relu\"", "the string \"64\"") and the enum
// spellings the serializer uses (snake_case, or [JsonStringEnumMemberName]). Shared by ConfigJson and its checker.
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interp.Config;

internal static class ConfigTypes
{
    public static bool IsScalar(Type t) => t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);

    public static (long min, long max) IntegerRange(Type t) =>
        t == typeof(int) ? (int.MinValue, int.MaxValue) : t == typeof(long) ? (long.MinValue, long.MaxValue)
        : t == typeof(short) ? (short.MinValue, short.MaxValue) : t == typeof(byte) ? (0, byte.MaxValue)
        : t == typeof(uint) ? (0, uint.MaxValue) : t == typeof(ushort) ? (0, ushort.MaxValue) : t == typeof(sbyte) ? (sbyte.MinValue, sbyte.MaxValue)
        : (0, long.MaxValue);

    /// <summary>What a value of <paramref name="t"/> looks like in JSON, for "expected ...".</summary>
    public static string Describe(Type t)
    {
        if (Nullable.GetUnderlyingType(t) is { } inner) return Describe(inner) + " or null";
        if (t == typeof(string)) return "a string";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal)) return "a number";
        if (t.IsEnum) return "one of " + List(EnumNames(t).Select(n => n.name).ToList());
        if (t.IsPrimitive) return t == typeof(ulong) || t == typeof(uint) ? "a non-negative integer" : "an integer";
        if (t.IsArray || (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(List<>) || g == typeof(IReadOnlyList<>) || g == typeof(IList<>))))
            return "an array";
        return "an object";
    }

    /// <summary>How a found JSON value reads: the string "64", the number 7, true, an object, ...</summary>
    public static string DescribeValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string {Short(e.GetRawText())}",
        JsonValueKind.Number => $"the number {Short(e.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    /// <summary>A hint for the common mistakes: numbers and booleans written as strings, fractions for integers.</summary>
    public static string FixHint(JsonElement found, Type expected)
    {
        expected = Nullable.GetUnderlyingType(expected) ?? expected;
        if (found.ValueKind == JsonValueKind.String)
        {
            string s = found.GetString()!;
            if ((expected.IsPrimitive && expected != typeof(bool) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _))
                || (expected == typeof(bool) && s is "true" or "false"))
                return $"write it without quotes: {s}";
        }
        if (found.ValueKind == JsonValueKind.Number && expected.IsPrimitive && expected != typeof(double) && expected != typeof(float))
            return "write a whole number";
        return $"write {Describe(expected)}";
    }

    public static bool ElementNullable(Type collection)
    {
        var el = collection.IsArray ? collection.GetElementType()! : collection.GetGenericArguments().LastOrDefault() ?? typeof(object);
        return Nullable.GetUnderlyingType(el) is not null || el == typeof(JsonElement);
    }

    public static IReadOnlyList<(string name, object value)> EnumNames(Type t) =>
        t.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(f.Name), f.GetValue(null)!))
            .ToList();

    public static string List(IReadOnlyList<string> names) => string.Join(", ", names.Select(n => $"\"{n}\""));

    private static string Short(string raw) => raw.Length > 60 ? raw[..60] + "...\"" : raw;
}

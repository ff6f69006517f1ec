// Checks on untrusted tool arguments, each failing with a ToolArgumentException that names the argument, the bound and
// what to pass: text length, k, positions (negative counts from the end), unit lists ("L1.H3"), strength, tokens.
using System.Globalization;

namespace Interp.Agent.Tools;

public static class ToolArgs
{
    public static string Text(string? text, ToolLimits limits, string argument = "text")
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ToolArgumentException(argument, "is empty", "give a sentence, e.g. \"The cat sat on the mat\"");
        if (text.Length > limits.MaxTextChars)
            throw new ToolArgumentException(argument, $"is {text.Length} characters, more than {limits.MaxTextChars}", "shorten it");
        return text;
    }

    public static int K(int k, ToolLimits limits, string argument = "k")
    {
        if (k < 1 || k > limits.MaxK) throw new ToolArgumentException(argument, $"is {k}; it must be in 1..{limits.MaxK}", "e.g. 5");
        return k;
    }

    public static int Range(int value, int min, int max, string argument, string? example = null)
    {
        if (value < min || value > max)
            throw new ToolArgumentException(argument, $"is {value}; it must be in {min}..{max}", example is null ? null : $"e.g. {example}");
        return value;
    }

    public static double Range(double value, double min, double max, string argument, string? example = null)
    {
        if (!double.IsFinite(value) || value < min || value > max)
            throw new ToolArgumentException(argument, $"is {value.ToString(CultureInfo.InvariantCulture)}; it must be a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}",
                example is null ? null : $"e.g. {example}");
        return value;
    }

    /// <summary>Comma-separated positions ("0,3,-1": negative counts from the end) resolved against a text of
    /// <paramref name="length"/> tokens; null or empty = <paramref name="fallback"/>.</summary>
    public static int[] Positions(string? positions, int length, ToolLimits limits, int[] fallback, string argument = "positions")
    {
        if (string.IsNullOrWhiteSpace(positions)) return fallback;
        var parts = positions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > limits.MaxPositions) throw new ToolArgumentException(argument, $"lists {parts.Length} positions, more than {limits.MaxPositions}", "ask about fewer positions");
        var result = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
                throw new ToolArgumentException(argument, $"'{p}' is not an integer position", "write e.g. \"0,3,-1\" (-1 is the last token)");
            int r = v < 0 ? length + v : v;
            if (r < 0 || r >= length)
                throw new ToolArgumentException(argument, $"position {v} is outside the text's {length} tokens (0..{length - 1}, or -1..-{length})", "call tokenize to see the positions");
            if (!result.Contains(r)) result.Add(r);
        }
        return result.ToArray();
    }

    /// <summary>Comma-separated non-negative integers below <paramref name="count"/> (feature or unit ids).</summary>
    public static int[] Ids(string? ids, int count, ToolLimits limits, string argument, string what)
    {
        if (string.IsNullOrWhiteSpace(ids)) throw new ToolArgumentException(argument, "is empty", $"give one or more {what} ids, e.g. \"12\" or \"12,40\"");
        var parts = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > limits.MaxUnits) throw new ToolArgumentException(argument, $"lists {parts.Length} {what}s, more than {limits.MaxUnits}", "edit fewer at once");
        var result = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v >= count)
                throw new ToolArgumentException(argument, $"'{p}' is not a {what} id in 0..{count - 1}", $"give {what} ids in 0..{count - 1}");
            if (!result.Contains(v)) result.Add(v);
        }
        return result.ToArray();
    }

    /// <summary>Comma-separated unit ids "L{layer}.{letter}{index}" (letter H for heads, N for neurons).</summary>
    public static (int Layer, int Index)[] Units(string? ids, char letter, int layers, int perLayer, ToolLimits limits, string argument, string what)
    {
        string example = $"L0.{letter}1,L1.{letter}0";
        if (string.IsNullOrWhiteSpace(ids)) throw new ToolArgumentException(argument, "is empty", $"give {what} ids like \"{example}\"");
        var parts = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > limits.MaxUnits) throw new ToolArgumentException(argument, $"lists {parts.Length} {what}s, more than {limits.MaxUnits}", "edit fewer at once");
        var result = new List<(int, int)>();
        foreach (var p in parts)
        {
            int dot = p.IndexOf('.');
            if (p.Length < 4 || p[0] != 'L' || dot < 2 || dot + 1 >= p.Length || p[dot + 1] != letter
                || !int.TryParse(p[1..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int l)
                || !int.TryParse(p[(dot + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                throw new ToolArgumentException(argument, $"'{p}' is not a {what} id", $"write L<layer>.{letter}<index>, e.g. \"{example}\"");
            if (l >= layers) throw new ToolArgumentException(argument, $"'{p}': layer {l} does not exist; this model has layers 0..{layers - 1}");
            if (i >= perLayer) throw new ToolArgumentException(argument, $"'{p}': {what} {i} does not exist; each layer has {what}s 0..{perLayer - 1}");
            if (!result.Contains((l, i))) result.Add((l, i));
        }
        return result.ToArray();
    }
}

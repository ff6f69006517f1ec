// Query-string parameters with range checks: a value out of range or of the wrong type is a 400 naming the parameter,
// never a clamp or a silent default.
using System.Globalization;
using Interp.Errors;
using Interp.Index;
using Microsoft.AspNetCore.Http;

namespace Interp.Serve.Api;

public static class Query
{
    /// <summary>The raw value; an empty one (a form's blank field) counts as absent.</summary>
    private static string? Raw(HttpRequest r, string name) => r.Query[name].FirstOrDefault() is { Length: > 0 } v ? v : null;

    public static int Int(HttpRequest r, string name, int fallback, int min, int max)
    {
        string? v = Raw(r, name);
        if (v is null) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) || i < min || i > max)
            throw new InterpException($"query parameter '{name}' must be an integer in {min}..{max}", name, null);
        return i;
    }

    public static double? Double(HttpRequest r, string name)
    {
        string? v = Raw(r, name);
        if (v is null) return null;
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw new InterpException($"query parameter '{name}' must be a finite number", name, null);
        return d;
    }

    public static bool? Bool(HttpRequest r, string name)
    {
        string? v = Raw(r, name);
        if (v is null) return null;
        return bool.TryParse(v, out bool b) ? b : throw new InterpException($"query parameter '{name}' must be true or false", name, null);
    }

    public static string? String(HttpRequest r, string name, int maxLength = 1000)
    {
        string? v = Raw(r, name);
        if (v is null) return null;
        if (v.Length > maxLength) throw new InterpException($"query parameter '{name}' is longer than {maxLength} characters", name, "send less");
        if (v.Contains('\uFFFD')) throw new InterpException($"query parameter '{name}' is not valid UTF-8", name, "percent-encode UTF-8 text");
        return v;
    }

    /// <summary>A feature id from a path segment.</summary>
    public static int FeatureId(string raw) =>
        int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id
            : throw new InterpException($"feature id '{(raw.Length > 32 ? raw[..32] + "…" : raw)}' is not a non-negative integer", "feature", "use e.g. /features/12", ErrorKind.NotFound);

    /// <summary>The search filters from the query string (sae, layer, min_score, max_score, labeled, run, filter JSON).</summary>
    public static FeatureFilter Filter(HttpRequest r, Func<string, string?> saeId)
    {
        var f = String(r, "filter", 4000) is { } json ? Wrap(() => FeatureFilterJson.Parse(json)) : FeatureFilter.None;
        if (String(r, "sae", 200) is { } sae)
            f = f with { SaeId = saeId(sae) ?? throw new InterpException($"no SAE named '{(sae.Length > 64 ? sae[..64] : sae)}'", "sae", null, ErrorKind.NotFound) };
        if (Raw(r, "layer") is not null) f = f with { Layer = Int(r, "layer", 0, -1, 10_000) };
        if (Double(r, "min_score") is { } lo) f = f with { MinScore = lo };
        if (Double(r, "max_score") is { } hi) f = f with { MaxScore = hi };
        if (Bool(r, "labeled") is { } lab) f = f with { Labeled = lab };
        if (String(r, "run", 200) is { } run) f = f with { RunId = run };
        Wrap(() => { f.Validate(); return 0; });
        return f;
    }

    private static T Wrap<T>(Func<T> f)
    {
        try { return f(); }
        catch (ArgumentException e) { throw new InterpException(e.Message, "filter", null); }
    }
}

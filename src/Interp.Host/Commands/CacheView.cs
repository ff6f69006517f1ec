// How `interp cache show` prints a feature: a terminal view (stats line, histogram bars, example windows with the peak
// token marked and each firing token's activation after it) and the JSON form tools read. Reading is LatentCache.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Interp.Dictionaries.Cache;

namespace Interp.Host.Commands;

public static class CacheView
{
    private const int BarWidth = 40, QuantileExamplesShown = 2;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>{"cache": {...}, "feature": CachedFeature in snake_case, "histogram_edges": [B+1 values]}.</summary>
    public static string Json(CacheInfo info, CachedFeature f)
    {
        var h = f.Histogram;
        var edges = Enumerable.Range(0, h.Counts.Count + 1).Select(i => i == h.Counts.Count ? h.Max : h.Lower(i)).ToArray();
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["cache"] = new Dictionary<string, object>
            {
                ["path"] = info.Path, ["model"] = info.Model, ["sae"] = info.Sae, ["hook_name"] = info.HookName, ["d_sae"] = info.DSae,
                ["corpus"] = info.Corpus, ["context"] = info.ContextLength, ["contexts"] = info.Contexts, ["tokens"] = info.Tokens,
            },
            ["feature"] = f,
            ["histogram_edges"] = edges,
            ["definitions"] = new Dictionary<string, string>
            {
                ["density"] = "count / tokens: fraction of all cached tokens where the feature is non-zero",
                ["mean"] = "mean of the non-zero activations",
                ["histogram"] = "counts of non-zero activations in equal-width bins over [0, max]; the last bin includes max",
                ["quantile_bins"] = "equal-count bins of the non-zero activations sorted ascending (bin 0 = lowest), with their smallest and largest value",
                ["peak_index"] = "index into tokens/activations of the context's peak (top), the sampled token (quantile), -1 (random negatives)",
            },
        }, JsonOptions);
    }

    public static void Text(CacheInfo info, CachedFeature f, TextWriter w, bool color)
    {
        w.WriteLine($"feature {f.Id} of {info.DSae} · {info.HookName} · {info.Contexts:N0} contexts × {info.ContextLength} tokens");
        w.WriteLine(f.Count == 0
            ? $"never fires on the {f.Tokens:N0} cached tokens"
            : $"fires on {f.Count:N0} of {f.Tokens:N0} tokens (density {Pct(f.Density)}) · max {Num(f.Max)} · mean {Num(f.Mean)}");
        if (f.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"histogram of non-zero activations ({f.Histogram.Counts.Count} equal bins over [0, {Num(f.Max)}]):");
            long most = f.Histogram.Counts.Max();
            for (int i = 0; i < f.Histogram.Counts.Count; i++)
            {
                long c = f.Histogram.Counts[i];
                int len = most == 0 ? 0 : (int)Math.Ceiling((double)c * BarWidth / most);
                w.WriteLine($"  {Num(f.Histogram.Lower(i)),8} – {Num(f.Histogram.Upper(i)),-8} │{new string('█', len).PadRight(BarWidth)} {c:N0}");
            }
        }
        Examples(w, $"top {f.TopExamples.Count} contexts by peak activation", f.TopExamples, color,
            e => $"#{e.Rank + 1,-3} {Num(e.PeakValue),8}   context {e.ContextId}, position {e.PeakPosition}");
        if (f.QuantileBins.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"quantile samples ({f.QuantileBins.Count} equal-count bins, highest first; {QuantileExamplesShown} shown per bin):");
            foreach (var bin in f.QuantileBins.OrderByDescending(b => b.Bin))
            {
                w.WriteLine($"  bin {bin.Bin}: [{Num(bin.Low)}, {Num(bin.High)}], {bin.Count:N0} activations");
                foreach (var e in f.QuantileExamples.Where(e => e.QuantileBin == bin.Bin).Take(QuantileExamplesShown))
                    w.WriteLine($"        {Window(e, color)}");
            }
        }
        Examples(w, $"{f.RandomNegatives.Count} random contexts where it never fires", f.RandomNegatives, color, e => $"context {e.ContextId}, positions {e.Start}..{e.Start + e.Tokens.Count - 1}");
        w.WriteLine();
        w.WriteLine(color ? "(peak / sampled token highlighted; {x} = the feature's activation on the token just before)"
                          : "(peak / sampled token in [[ ]]; {x} = the feature's activation on the token just before)");
    }

    private static void Examples(TextWriter w, string title, IReadOnlyList<CacheExample> list, bool color, Func<CacheExample, string> head)
    {
        if (list.Count == 0) return;
        w.WriteLine();
        w.WriteLine(title + ":");
        foreach (var e in list)
        {
            w.WriteLine($"  {head(e)}");
            w.WriteLine($"        {Window(e, color)}");
        }
    }

    /// <summary>The window's tokens, the peak marked, each firing token followed by {activation}.</summary>
    public static string Window(CacheExample e, bool color)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < e.Tokens.Count; i++)
        {
            string tok = Visible(e.Tokens[i]);
            if (i == e.PeakIndex) sb.Append(color ? $"\u001b[1;30;43m{tok}\u001b[0m" : $"[[{tok}]]");
            else sb.Append(tok);
            if (e.Activations[i] != 0) sb.Append(color ? $"\u001b[33m{{{Num(e.Activations[i])}}}\u001b[0m" : $"{{{Num(e.Activations[i])}}}");
        }
        return sb.ToString();
    }

    /// <summary>Line breaks and tabs as ↵ and ⇥, other control characters as \xNN, so each window stays on one line.</summary>
    private static string Visible(string token)
    {
        var sb = new StringBuilder(token.Length);
        foreach (char c in token)
        {
            if (c == '\n') sb.Append('↵');
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append('⇥');
            else if (char.IsControl(c)) sb.Append($"\\x{(int)c:x2}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "0.#" : "0.###", Inv);
    private static string Pct(double v) => (v * 100).ToString(v < 0.0001 ? "0.####" : "0.##", Inv) + "%";
}

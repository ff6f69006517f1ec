// Small inline SVG plots for the labeling report: bar histograms, a sorted dot plot with interval whiskers, and a
// scatter with the diagonal. Self-contained markup (no scripts, no external resources); every plot carries a class
// the browser test looks for. Not the report's layout (LabelReport).
using System.Globalization;
using System.Net;
using System.Text;

namespace Interp.Agent.Labeling.Report;

internal static class Svg
{
    private const int W = 360, H = 180, L = 40, R = 10, T = 20, B = 30;

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Esc(string s) => WebUtility.HtmlEncode(s);

    /// <summary>Bars of <paramref name="counts"/> over [lo, hi] (equal widths).</summary>
    public static string Bars(IReadOnlyList<long> counts, double lo, double hi, string title, string cssClass, string xLabel)
    {
        var sb = Open(cssClass, title);
        long max = Math.Max(1, counts.DefaultIfEmpty(0).Max());
        double bw = (W - L - R) / (double)Math.Max(1, counts.Count);
        for (int i = 0; i < counts.Count; i++)
        {
            double h = (H - T - B) * counts[i] / (double)max;
            sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{F(L + i * bw)}\" y=\"{F(H - B - h)}\" width=\"{F(Math.Max(1, bw - 1))}\" height=\"{F(h)}\"><title>{counts[i]}</title></rect>");
        }
        Axes(sb, lo, hi, 0, max, xLabel, "count");
        return sb.Append("</svg>").ToString();
    }

    /// <summary>A histogram of <paramref name="values"/> in <paramref name="bins"/> bins over [lo, hi].</summary>
    public static string Histogram(IReadOnlyList<double> values, double lo, double hi, int bins, string title, string cssClass, string xLabel)
    {
        var counts = new long[bins];
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            int b = (int)Math.Floor((v - lo) / (hi - lo) * bins);
            counts[Math.Clamp(b, 0, bins - 1)]++;
        }
        return Bars(counts, lo, hi, title, cssClass, xLabel);
    }

    /// <summary>Points sorted by value with their interval as a vertical whisker.</summary>
    public static string Intervals(IReadOnlyList<(double Value, double Low, double High)> points, double lo, double hi, string title, string cssClass)
    {
        var sb = Open(cssClass, title);
        var sorted = points.OrderBy(p => p.Value).ToList();
        double dx = (W - L - R) / (double)Math.Max(1, sorted.Count);
        double Y(double v) => H - B - (H - T - B) * (Math.Clamp(v, lo, hi) - lo) / (hi - lo);
        for (int i = 0; i < sorted.Count; i++)
        {
            var (v, a, b) = sorted[i];
            double x = L + (i + 0.5) * dx;
            if (double.IsFinite(a) && double.IsFinite(b))
                sb.Append(CultureInfo.InvariantCulture, $"<line class=\"ci\" x1=\"{F(x)}\" x2=\"{F(x)}\" y1=\"{F(Y(a))}\" y2=\"{F(Y(b))}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"pt\" cx=\"{F(x)}\" cy=\"{F(Y(v))}\" r=\"1.8\"><title>{F(v)} [{F(a)}, {F(b)}]</title></circle>");
        }
        Axes(sb, 0, sorted.Count, lo, hi, "features, sorted by score", "score");
        return sb.Append("</svg>").ToString();
    }

    /// <summary>(x, y) points over [lo, hi]² with the diagonal y = x.</summary>
    public static string Scatter(IReadOnlyList<(double X, double Y, string Label)> points, double lo, double hi, string title, string cssClass, string xLabel, string yLabel)
    {
        var sb = Open(cssClass, title);
        double Px(double v) => L + (W - L - R) * (Math.Clamp(v, lo, hi) - lo) / (hi - lo);
        double Py(double v) => H - B - (H - T - B) * (Math.Clamp(v, lo, hi) - lo) / (hi - lo);
        sb.Append(CultureInfo.InvariantCulture, $"<line class=\"diag\" x1=\"{F(Px(lo))}\" y1=\"{F(Py(lo))}\" x2=\"{F(Px(hi))}\" y2=\"{F(Py(hi))}\"/>");
        foreach (var (x, y, label) in points)
            sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"pt\" cx=\"{F(Px(x))}\" cy=\"{F(Py(y))}\" r=\"2\"><title>{Esc(label)}: {F(x)} vs {F(y)}</title></circle>");
        Axes(sb, lo, hi, lo, hi, xLabel, yLabel);
        return sb.Append("</svg>").ToString();
    }

    private static StringBuilder Open(string cssClass, string title) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"plot {cssClass}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\">")
            .Append(CultureInfo.InvariantCulture, $"<title>{Esc(title)}</title><text class=\"t\" x=\"{L}\" y=\"13\">{Esc(title)}</text>");

    private static void Axes(StringBuilder sb, double x0, double x1, double y0, double y1, string xLabel, string yLabel)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\"/>")
          .Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\"/>")
          .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{L}\" y=\"{H - B + 12}\">{F(x0)}</text>")
          .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{W - R}\" y=\"{H - B + 12}\" text-anchor=\"end\">{F(x1)}</text>")
          .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{L - 4}\" y=\"{H - B}\" text-anchor=\"end\">{F(y0)}</text>")
          .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{L - 4}\" y=\"{T + 8}\" text-anchor=\"end\">{F(y1)}</text>")
          .Append(CultureInfo.InvariantCulture, $"<text class=\"lab\" x=\"{(L + W - R) / 2}\" y=\"{H - 4}\" text-anchor=\"middle\">{Esc(xLabel)}</text>")
          .Append(CultureInfo.InvariantCulture, $"<text class=\"lab\" x=\"10\" y=\"{(T + H - B) / 2}\" transform=\"rotate(-90 10 {(T + H - B) / 2})\" text-anchor=\"middle\">{Esc(yLabel)}</text>");
    }
}

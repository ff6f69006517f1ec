// Our own SVG plots (no plotting library, no script): a bar histogram of a feature's activations and a drift chart of
// one eval metric over runs with its 95 % intervals. Sizes in px; every number is written with the invariant culture.
using System.Text;
using static Interp.Serve.Ui.Html;

namespace Interp.Serve.Ui;

public static class Svg
{
    /// <summary>Bars of <paramref name="counts"/> (equal-width bins over [0, max]), log-scaled heights when the range is wide.</summary>
    public static string Histogram(IReadOnlyList<long> counts, double max, int width = 420, int height = 140)
    {
        const int padL = 40, padB = 22, padT = 6;
        var sb = new StringBuilder($"<svg class=\"plot hist\" role=\"img\" aria-label=\"activation histogram\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        long top = counts.Count == 0 ? 0 : counts.Max();
        bool log = top > 0 && counts.Where(c => c > 0).DefaultIfEmpty(1).Min() * 100 < top;
        double H(long c) => c <= 0 || top <= 0 ? 0 : log ? Math.Log10(1 + c) / Math.Log10(1 + top) : (double)c / top;
        double plotW = width - padL - 4, plotH = height - padB - padT, bw = counts.Count == 0 ? 0 : plotW / counts.Count;
        sb.Append($"<line x1=\"{padL}\" y1=\"{padT + plotH}\" x2=\"{width - 4}\" y2=\"{padT + plotH}\" stroke=\"#888\"/>");
        for (int i = 0; i < counts.Count; i++)
        {
            double h = H(counts[i]) * plotH;
            sb.Append($"<rect x=\"{N(padL + i * bw + 0.5, "F1")}\" y=\"{N(padT + plotH - h, "F1")}\" width=\"{N(Math.Max(0.5, bw - 1), "F1")}\" height=\"{N(h, "F1")}\" fill=\"#e07b00\"><title>{N(i * max / counts.Count)}–{N((i + 1) * max / counts.Count)}: {counts[i]}</title></rect>");
        }
        sb.Append($"<text x=\"{padL}\" y=\"{height - 6}\" font-size=\"11\">0</text><text x=\"{width - 4}\" y=\"{height - 6}\" font-size=\"11\" text-anchor=\"end\">{N(max)}</text>");
        sb.Append($"<text x=\"{padL - 4}\" y=\"{padT + 10}\" font-size=\"11\" text-anchor=\"end\">{top}</text>");
        if (log) sb.Append($"<text x=\"{padL - 4}\" y=\"{padT + 22}\" font-size=\"9\" text-anchor=\"end\">log</text>");
        return sb.Append("</svg>").ToString();
    }

    /// <summary>One metric over runs: points with interval whiskers, the first run's value as a dashed line.</summary>
    public static string Drift(string metric, IReadOnlyList<(long Run, double Value, double Low, double High, bool Flagged)> points, int width = 460, int height = 160)
    {
        const int padL = 44, padB = 20, padT = 8, padR = 8;
        var sb = new StringBuilder($"<svg class=\"plot drift\" role=\"img\" aria-label=\"{E(metric)} over runs\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        if (points.Count == 0) return sb.Append("<text x=\"10\" y=\"20\">no runs yet</text></svg>").ToString();
        double lo = points.Min(p => p.Low), hi = points.Max(p => p.High);
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        double plotW = width - padL - padR, plotH = height - padB - padT;
        double X(int i) => padL + (points.Count == 1 ? plotW / 2 : i * plotW / (points.Count - 1));
        double Y(double v) => padT + (hi - v) / (hi - lo) * plotH;
        sb.Append($"<line x1=\"{padL}\" y1=\"{N(Y(points[0].Value), "F1")}\" x2=\"{width - padR}\" y2=\"{N(Y(points[0].Value), "F1")}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>");
        var path = new StringBuilder();
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            sb.Append($"<line x1=\"{N(X(i), "F1")}\" y1=\"{N(Y(p.Low), "F1")}\" x2=\"{N(X(i), "F1")}\" y2=\"{N(Y(p.High), "F1")}\" stroke=\"#4a6fa5\"/>");
            sb.Append($"<circle cx=\"{N(X(i), "F1")}\" cy=\"{N(Y(p.Value), "F1")}\" r=\"3.5\" fill=\"{(p.Flagged ? "#c0392b" : "#4a6fa5")}\"><title>run {p.Run}: {N(p.Value)} [{N(p.Low)}, {N(p.High)}]{(p.Flagged ? " (flagged)" : "")}</title></circle>");
            path.Append(i == 0 ? 'M' : 'L').Append(N(X(i), "F1")).Append(' ').Append(N(Y(p.Value), "F1")).Append(' ');
        }
        sb.Append($"<path d=\"{path}\" fill=\"none\" stroke=\"#4a6fa5\" stroke-width=\"1.2\"/>");
        sb.Append($"<text x=\"{padL - 4}\" y=\"{padT + 10}\" font-size=\"11\" text-anchor=\"end\">{N(hi, "G3")}</text><text x=\"{padL - 4}\" y=\"{padT + plotH}\" font-size=\"11\" text-anchor=\"end\">{N(lo, "G3")}</text>");
        return sb.Append("</svg>").ToString();
    }
}

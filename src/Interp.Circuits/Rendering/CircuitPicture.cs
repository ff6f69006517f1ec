// Pictures of a circuit: Graphviz dot text, and a self-contained SVG with a layered layout (layer 0 at the bottom,
// nodes left to right within a layer, edge width and colour by |weight| and sign: blue positive, red negative).
// Node labels show the id and, when given, the node's score. Text only; no model code.
using System.Globalization;
using System.Text;

namespace Interp.Circuits;

public static class CircuitPicture
{
    /// <summary>Writes dot (".dot"/".gv") or SVG (".svg") by the file's extension.</summary>
    public static void Write(string path, Circuit c, IReadOnlyDictionary<string, double>? scores = null, string? title = null)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        string text = ext switch
        {
            ".svg" => Svg(c, scores, title),
            ".dot" or ".gv" => Dot(c, scores, title),
            _ => throw new ArgumentException($"picture '{path}': use a .svg, .dot or .gv file name."),
        };
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"the folder of '{path}' does not exist; create it first.");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    public static string Dot(Circuit c, IReadOnlyDictionary<string, double>? scores = null, string? title = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("digraph circuit {");
        sb.AppendLine("  rankdir=BT; node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"]; edge [fontname=\"Helvetica\", fontsize=9];");
        if (title is not null) sb.AppendLine($"  label=\"{EscDot(title)}\"; labelloc=t;");
        double max = MaxAbs(c);
        foreach (var layer in c.Nodes.GroupBy(n => n.Layer).OrderBy(g => g.Key))
        {
            sb.AppendLine($"  {{ rank=same; // layer {layer.Key}");
            foreach (var n in layer)
            {
                string label = n.Id + (scores is not null && scores.TryGetValue(n.Id, out var s) ? "\\n" + F(s) : "");
                sb.AppendLine($"    \"{EscDot(n.Id)}\" [label=\"{EscDot(label).Replace("\\\\n", "\\n")}\", fillcolor=\"{Fill(n.Kind)}\"];");
            }
            sb.AppendLine("  }");
        }
        foreach (var e in c.Edges)
            sb.AppendLine($"  \"{EscDot(e.From)}\" -> \"{EscDot(e.To)}\" [label=\"{F(e.Weight)}\", color=\"{(e.Weight >= 0 ? "#2563eb" : "#dc2626")}\", penwidth={Width(e.Weight, max).ToString("F2", CultureInfo.InvariantCulture)}];");
        sb.AppendLine("}");
        return sb.ToString();
    }

    public static string Svg(Circuit c, IReadOnlyDictionary<string, double>? scores = null, string? title = null)
    {
        const int boxW = 150, boxH = 38, gapX = 24, gapY = 70, margin = 30, top = 50, labelW = 60;
        var layers = c.Nodes.GroupBy(n => n.Layer).OrderBy(g => g.Key).Select(g => g.OrderBy(n => n.Kind).ThenBy(n => n.Index).ToArray()).ToArray();
        int widest = layers.Length == 0 ? 1 : layers.Max(l => l.Length);
        int width = Math.Max(Math.Max(360, 2 * margin + (int)(8.5 * (title?.Length ?? 0))), margin * 2 + labelW + widest * boxW + (widest - 1) * gapX);
        int height = top + margin + Math.Max(1, layers.Length) * (boxH + gapY);
        var at = new Dictionary<string, (double x, double y)>();
        var rowLabels = new List<(string text, double y)>();
        for (int li = 0; li < layers.Length; li++)
        {
            var row = layers[li];
            double rowW = row.Length * boxW + (row.Length - 1) * gapX, x0 = labelW + (width - labelW - rowW) / 2;
            double y = height - margin - boxH - li * (boxH + gapY);
            for (int i = 0; i < row.Length; i++) at[row[i].Id] = (x0 + i * (boxW + gapX), y);
            rowLabels.Add(($"layer {row[0].Layer}", y + boxH / 2.0 + 4));
        }
        var sb = new StringBuilder();
        sb.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">");
        sb.AppendLine($"  <rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        if (title is not null) sb.AppendLine($"  <text x=\"{margin}\" y=\"28\" font-size=\"15\" font-weight=\"bold\">{Xml(title)}</text>");
        foreach (var (text, y) in rowLabels)
            sb.AppendLine($"  <text x=\"{margin}\" y=\"{N(y)}\" font-size=\"11\" fill=\"#6b7280\">{Xml(text)}</text>");
        double max = MaxAbs(c);
        foreach (var e in c.Edges)
        {
            if (!at.TryGetValue(e.From, out var a) || !at.TryGetValue(e.To, out var b)) continue;
            sb.AppendLine($"  <line x1=\"{N(a.x + boxW / 2.0)}\" y1=\"{N(a.y)}\" x2=\"{N(b.x + boxW / 2.0)}\" y2=\"{N(b.y + boxH)}\" stroke=\"{(e.Weight >= 0 ? "#2563eb" : "#dc2626")}\" " +
                $"stroke-width=\"{N(Width(e.Weight, max))}\" stroke-opacity=\"0.7\"><title>{Xml($"{e.From} → {e.To}: {F(e.Weight)}")}</title></line>");
        }
        foreach (var n in c.Nodes)
        {
            var (x, y) = at[n.Id];
            string score = scores is not null && scores.TryGetValue(n.Id, out var s) ? F(s) : "";
            sb.AppendLine($"  <g><rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{boxW}\" height=\"{boxH}\" rx=\"8\" fill=\"{Fill(n.Kind)}\" stroke=\"#374151\"/>");
            sb.AppendLine($"    <text x=\"{N(x + boxW / 2.0)}\" y=\"{N(y + (score.Length > 0 ? 16 : 23))}\" font-size=\"12\" text-anchor=\"middle\">{Xml(Short(n.Id))}</text>");
            if (score.Length > 0) sb.AppendLine($"    <text x=\"{N(x + boxW / 2.0)}\" y=\"{N(y + 31)}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#374151\">{Xml(score)}</text>");
            sb.AppendLine($"    <title>{Xml(n.Id)}</title></g>");
        }
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static string Short(string id) => id.Length <= 22 ? id : "…" + id[^21..];
    private static double MaxAbs(Circuit c) => c.Edges.Count == 0 ? 1 : Math.Max(1e-12, c.Edges.Max(e => Math.Abs(e.Weight)));
    private static double Width(double w, double max) => 0.8 + 5.2 * Math.Abs(w) / max;
    private static string Fill(NodeKind k) => k switch { NodeKind.Head => "#dbeafe", NodeKind.Neuron => "#dcfce7", NodeKind.Feature => "#fef3c7", _ => "#e5e7eb" };
    private static string F(double v) => v.ToString("+0.000;-0.000", CultureInfo.InvariantCulture);
    private static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
    private static string EscDot(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
    private static string Xml(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}

// The labeling run's HTML report: one self-contained file (inline CSS and SVG, no scripts, no external resources). Run
// summary; per method the score distribution and every feature's score with its 95 % interval; real vs shuffled (how
// often and by how much real wins); a table of all features; and for the first N features their labels, scores,
// activation histogram, highlighted top and quantile examples, and promoted / suppressed tokens. Failures appear as
// failures. Reads the run store only.
using System.Globalization;
using System.Text;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Labeling.Store;
using Interp.Index.Records;
using static Interp.Agent.Labeling.Report.Svg;

namespace Interp.Agent.Labeling.Report;

public static class LabelReport
{
    /// <summary>Writes the report of <paramref name="store"/> to <paramref name="path"/> (atomically: a temp file, then a
    /// rename) with example sections for the first <paramref name="detail"/> features.</summary>
    public static void Write(RunStore store, string path, int detail = 200)
    {
        var html = Render(store, detail);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, html, new UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }

    public static string Render(RunStore store, int detail)
    {
        var m = store.Manifest;
        var records = store.ReadRecords();
        var a = RunAnalysis.From(records, m.Scorers, m.Shuffled, m.Examples.Seed);
        var sum = store.Summary();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Esc($"Labeling run {store.RunId}")).Append("</title><style>")
          .Append(Css).Append("</style></head><body>");
        sb.Append("<h1>Labeling run <code>").Append(Esc(store.RunId)).Append("</code></h1><p class=\"meta\">")
          .Append(Esc($"{m.Model.Name} ({m.Model.Architecture}) · SAE {m.Sae.Name} at {m.Sae.HookName}, d_sae {m.Sae.DSae} · explainer {m.Explainer} · " +
                      $"scorers {string.Join(", ", m.Scorers)} · {records.Count} of {m.Features.Count} features settled · created {store.CreatedAt:yyyy-MM-dd HH:mm} UTC · " +
                      $"LLM calls {sum.Usage.Calls}, cost ${sum.Usage.CostUsd:F4}")).Append("</p>");
        if (m.Explainer == LabelingComponents.OfflineExplainerKind)
            sb.Append("<p class=\"note\">Labels are offline descriptions made from the cache and the weights (no LLM); lexical scores read those descriptions.</p>");

        sb.Append("<section id=\"summary\"><h2>Scores</h2><table><tr><th>method</th><th>scored</th><th>failed</th><th>mean</th><th>median</th></tr>");
        foreach (var s in a.Methods)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{Esc(s.Method)}</td><td>{s.Scored}</td><td>{s.Failed}</td><td>{N(s.Mean)}</td><td>{N(s.Median)}</td></tr>");
        sb.Append("</table></section>");

        sb.Append("<section id=\"sanity\"><h2>Real vs shuffled</h2><p>Each explanation is also scored on the examples of another feature of the run; a label that means something scores higher on its own feature.</p>");
        foreach (var c in a.Shuffled)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"verdict\"><b>{Esc(c.Method)}</b>: real beats shuffled on {c.RealBeats} of {c.Pairs} features; mean real {N(c.MeanReal)} vs shuffled {N(c.MeanShuffled)}, ")
              .Append(CultureInfo.InvariantCulture, $"margin {N(c.MeanMargin)} (95 % CI {N(c.MarginLow)} to {N(c.MarginHigh)}); shuffled score undefined on {c.ShuffledUndefined} more.</p>");
            double lo = Math.Min(0, c.Points.Select(p => Math.Min(p.Real, p.Shuffled)).DefaultIfEmpty(0).Min());
            sb.Append(Scatter(c.Points.Select(p => (p.Real, p.Shuffled, $"feature {p.Feature}")).ToList(), lo, 1, $"{c.Method}: real vs shuffled", "shuffled-plot", "real", "shuffled"));
        }
        sb.Append("</section>");

        sb.Append("<section id=\"distributions\"><h2>Score distributions</h2>");
        foreach (var s in a.Methods)
        {
            double lo = Math.Min(0, s.Points.Select(p => p.Value).DefaultIfEmpty(0).Min());
            sb.Append("<div class=\"pair\">").Append(Histogram(s.Points.Select(p => p.Value).ToList(), lo, 1, 20, $"{s.Method} ({s.Scored} features)", "score-dist", "score"))
              .Append(Intervals(s.Points.Select(p => (p.Value, p.Low, p.High)).ToList(), lo, 1, $"{s.Method} with 95 % intervals", "score-ci")).Append("</div>");
        }
        sb.Append("</section>");

        sb.Append("<section id=\"features\"><h2>Features</h2><table><tr><th>feature</th><th>label</th>");
        foreach (var meth in m.Scorers) sb.Append("<th>").Append(Esc(meth)).Append("</th>");
        sb.Append("<th>failures</th></tr>");
        foreach (var r in records)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"#f{r.Feature}\">{r.Feature}</a></td><td>{Esc(r.Explanations.FirstOrDefault()?.Text ?? "—")}</td>");
            foreach (var meth in m.Scorers)
                sb.Append("<td>").Append(RunAnalysis.Main(r, meth) is { } s ? $"{N(s.Value)} [{N(s.CiLow)}, {N(s.CiHigh)}]" : "—").Append("</td>");
            sb.Append("<td>").Append(Esc(string.Join("; ", r.Failures.Select(f => $"{f.Stage}: {f.Kind}")))).Append("</td></tr>");
        }
        sb.Append("</table>");
        foreach (var r in records.Take(detail)) Feature(sb, store, r);
        if (records.Count > detail) sb.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Example sections are shown for the first {detail} features (--detail).</p>");
        sb.Append("</section></body></html>\n");
        return sb.ToString();
    }

    private static void Feature(StringBuilder sb, RunStore store, FeatureRecord r)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<article class=\"feature\" id=\"f{r.Feature}\"><h3>Feature {r.Feature}</h3>");
        foreach (var e in r.Explanations)
            sb.Append("<p class=\"label\">").Append(e.Cluster is int c ? $"cluster {c}: " : "").Append(Esc(e.Text)).Append("</p>");
        if (r.Scores.Count > 0)
        {
            sb.Append("<table class=\"scores\"><tr><th>method</th><th>label</th><th>capability</th><th>value</th><th>95 % CI</th></tr>");
            foreach (var s in r.Scores)
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{Esc(s.Method)}</td><td>{s.ExplanationIndex}</td><td>{Esc(s.Capability)}</td><td>{N(s.Value)}</td><td>[{N(s.CiLow)}, {N(s.CiHigh)}]</td></tr>");
            sb.Append("</table>");
        }
        foreach (var f in r.Failures)
            sb.Append("<p class=\"failure\">").Append(Esc($"{f.Stage} failed ({f.Kind}): {f.Reason}")).Append("</p>");
        if (r.Stats is { } st)
            sb.Append("<p class=\"meta\">").Append(Esc($"fires on {st.Count:N0} of {st.Tokens:N0} tokens (density {st.Density:P3}), max {st.Max:G4}, mean {st.Mean:G4}")).Append("</p>")
              .Append(Bars(st.Histogram, 0, st.Max, "activation histogram (non-zero)", "act-hist", "activation"));
        var ev = store.Stages(r.Feature).GetValueOrDefault(StageNames.Evidence);
        if (ev?.Result is string json)
        {
            var evidence = RunJson.Read<FeatureEvidence>(json, $"feature {r.Feature} evidence");
            var all = evidence.Explain.Concat(evidence.Score).ToList();
            double max = Math.Max(1e-9, all.Select(e => (double)e.Max).DefaultIfEmpty(0).Max());
            Examples(sb, "top-activating", all.Where(e => e.Kind == ExampleKinds.Top).Take(10), max);
            Examples(sb, "quantile samples", all.Where(e => e.Kind == ExampleKinds.Quantile).OrderByDescending(e => e.QuantileBin).Take(10), max);
        }
        if (r.Promoted.Count + r.Suppressed.Count > 0)
            sb.Append("<p class=\"effects\"><b>promotes</b> ").Append(Tokens(r.Promoted)).Append(" · <b>suppresses</b> ").Append(Tokens(r.Suppressed)).Append("</p>");
        sb.Append("</article>");
    }

    private static void Examples(StringBuilder sb, string title, IEnumerable<LabelingExample> examples, double max)
    {
        var list = examples.ToList();
        if (list.Count == 0) return;
        sb.Append("<div class=\"examples\"><h4>").Append(Esc(title)).Append("</h4>");
        foreach (var e in list)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"ex\" data-set=\"{e.Set}\"><span class=\"src\">{e.Set} · ctx {e.ContextId}</span> ");
            for (int i = 0; i < e.Tokens.Length; i++)
            {
                double a = e.Activations[i];
                if (a > 0)
                    sb.Append(CultureInfo.InvariantCulture, $"<span class=\"tok on\" style=\"background:rgba(230,110,0,{Math.Clamp(a / max, 0.08, 1):0.##})\" title=\"{a:G4}\">{Esc(e.Tokens[i])}</span>");
                else sb.Append("<span class=\"tok\">").Append(Esc(e.Tokens[i])).Append("</span>");
            }
            sb.Append("</p>");
        }
        sb.Append("</div>");
    }

    private static string Tokens(IReadOnlyList<TokenEffect> effects) =>
        string.Join(" ", effects.Take(8).Select(t => $"<code title=\"{t.Logit:G4}\">{Esc(t.Token)}</code>"));

    private static string N(double? v) => v is double d && double.IsFinite(d) ? d.ToString("0.000", CultureInfo.InvariantCulture) : "—";

    private const string Css = """
        body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
        h1{font-size:22px}h2{margin-top:28px;border-bottom:1px solid #ddd}h3{margin:18px 0 4px}h4{margin:8px 0 2px;font-size:13px;color:#555}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
        .meta,.note{color:#555}.failure{color:#a00}.label{font-weight:600}.pair{display:flex;gap:16px;flex-wrap:wrap}
        svg.plot{background:#fafafa;border:1px solid #e4e4e4;margin:4px}svg .bar{fill:#4a7bd0}svg .pt{fill:#c0392b}svg .ci{stroke:#999;stroke-width:1}
        svg .axis{stroke:#333}svg .diag{stroke:#aaa;stroke-dasharray:4 3}svg text{font-size:10px;fill:#333}svg .t{font-size:11px;font-weight:600}
        .ex{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;margin:2px 0}.src{color:#888;font-family:system-ui}
        .tok.on{border-radius:2px}article.feature{border-top:1px solid #eee;padding-top:4px}
        """;
}

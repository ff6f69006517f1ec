// The web UI, served by the host (no CDN, no Node build): search, feature page, jobs with live progress, chat, drift.
// Pages are rendered here from the same services the API uses (so the feature page works without script); the jobs and
// chat pages add app.js for live updates (EventSource) and posting with the API key the person typed.
using System.Globalization;
using System.Reflection;
using System.Text;
using Interp.Serve.Catalog;
using Interp.Serve.Evals;
using Interp.Serve.Features;
using Interp.Serve.Jobs;
using Interp.Serve.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Interp.Serve.Ui.Html;

namespace Interp.Serve.Ui;

public static class UiEndpoints
{
    private static IResult Page(string html) => Results.Content(html, "text/html; charset=utf-8");

    public static void MapInterpUi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/{file}", (string file) => Asset(file)).ExcludeFromDescription();
        app.MapGet("/", async (HttpRequest r, SaeCatalog c, FeatureService f, CancellationToken ct) => Page(await SearchPage(r, c, f, ct))).ExcludeFromDescription();
        app.MapGet("/features/{sae}/{feature}", async (string sae, string feature, FeatureService f, CancellationToken ct) =>
            Results.Bytes(await f.RenderedAsync(FeaturePageCache.Format.Html, sae, Api.Query.FeatureId(feature), 8, FeaturePage, ct),
                "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/jobs", (JobStore s, JobHandlers h) => Page(JobsPage(s, h))).ExcludeFromDescription();
        app.MapGet("/chat", () => Page(ChatPage())).ExcludeFromDescription();
        app.MapGet("/drift", (ServeSettings s, EvalStore e) => Page(DriftPage(s, e))).ExcludeFromDescription();
    }

    private static IResult Asset(string file)
    {
        string? type = file switch { "app.js" => "text/javascript; charset=utf-8", "app.css" => "text/css; charset=utf-8", _ => null };
        if (type is null) return Api.Problems.Result(404, "not found", "no such UI file");
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Interp.Serve.Ui.Assets.{file}")!;
        using var rd = new StreamReader(s);
        return Results.Content(rd.ReadToEnd(), type);
    }

    private static async Task<string> SearchPage(HttpRequest r, SaeCatalog catalog, FeatureService f, CancellationToken ct)
    {
        string q = Api.Query.String(r, "q", 1000) ?? "";
        string sae = Api.Query.String(r, "sae", 200) ?? "";
        var sb = new StringBuilder("<h1>Search features</h1><form class=\"search\" method=\"get\" action=\"/\">");
        sb.Append($"<input id=\"q\" name=\"q\" value=\"{E(q)}\" placeholder=\"what a feature means, e.g. names of people\" size=\"40\">");
        sb.Append("<select name=\"sae\" id=\"sae\"><option value=\"\">all SAEs</option>");
        foreach (var name in catalog.Saes.Keys) sb.Append($"<option{(name == sae ? " selected" : "")}>{E(name)}</option>");
        sb.Append("</select><label>min score <input name=\"min_score\" size=\"4\" value=\"").Append(E(Api.Query.String(r, "min_score", 32))).Append("\"></label>");
        sb.Append("<button type=\"submit\">Search</button></form>");
        if (q.Length > 0)
        {
            var filter = Api.Query.Filter(r, f.SafeId);
            var hits = await f.SearchTextAsync(q, filter, Api.Query.Int(r, "top", 20, 1, FeatureService.MaxTop), 0, ct);
            sb.Append($"<p class=\"muted\">{hits.Count} result(s)</p><table class=\"hits\"><tr><th>feature</th><th>label</th><th>similarity</th><th>score</th><th>density</th></tr>");
            foreach (var h in hits)
            {
                string link = h.Sae is null ? E($"{h.SaeName} #{h.Feature}") : $"<a class=\"hit\" href=\"/features/{Uri.EscapeDataString(h.Sae)}/{h.Feature}\">{E(h.Sae)} #{h.Feature}</a>";
                sb.Append($"<tr><td>{link}</td><td>{E(h.Label)}</td><td>{N(h.Score, "F3")}</td><td>{(h.HeadlineScore is { } s ? N(s, "F3") : "–")}</td><td>{(h.Density is { } d ? N(d, "E2") : "–")}</td></tr>");
            }
            sb.Append("</table>");
        }
        sb.Append("<h2>SAEs</h2><ul>");
        foreach (var (name, e) in catalog.Saes)
            sb.Append($"<li>{E(name)} (model {E(e.Model)}) — <a href=\"/features/{Uri.EscapeDataString(name)}/0\">feature 0</a></li>");
        sb.Append("</ul>");
        return Html.Page("Search", "Search", sb.ToString());
    }

    /// <summary>The feature page as UTF-8 (what FeatureService keeps in the page cache).</summary>
    public static byte[] FeaturePage(FeatureView v) => Html.PageUtf8($"{v.Sae} #{v.Feature}", "", sb => FeatureBody(sb, v));

    private static void FeatureBody(StringBuilder sb, FeatureView v)
    {
        sb.Append($"<h1>{E(v.Sae)} · feature {v.Feature}</h1><p class=\"muted\">hook {E(v.Hook)} · {v.DSae} features");
        if (v.Feature > 0) sb.Append($" · <a href=\"/features/{Uri.EscapeDataString(v.Sae)}/{v.Feature - 1}\">← {v.Feature - 1}</a>");
        if (v.Feature < v.DSae - 1) sb.Append($" · <a href=\"/features/{Uri.EscapeDataString(v.Sae)}/{v.Feature + 1}\">{v.Feature + 1} →</a>");
        sb.Append("</p><section class=\"labels\"><h2>Labels</h2>");
        if (v.Labels.Count == 0) sb.Append("<p class=\"muted\">not labeled yet</p>");
        foreach (var l in v.Labels) sb.Append($"<p class=\"label\">{E(l.Text)} <span class=\"muted\">({E(l.Explainer)}{(l.LlmModel is null ? "" : ", " + E(l.LlmModel))})</span></p>");
        if (v.Scores.Count > 0)
        {
            sb.Append("<table class=\"scores\"><tr><th>method</th><th>score</th><th>95 % CI</th><th>on</th></tr>");
            foreach (var s in v.Scores) sb.Append($"<tr><td>{E(s.Method)}</td><td>{N(s.Value, "F3")}</td><td>[{N(s.CiLow, "F3")}, {N(s.CiHigh, "F3")}]</td><td>{E(s.Capability)}</td></tr>");
            sb.Append("</table>");
        }
        foreach (var fl in v.Failures) sb.Append($"<p class=\"failure\">{E(fl.Stage)} failed ({E(fl.Kind)}): {E(fl.Reason)}</p>");
        sb.Append("</section>");
        if (v.Stats is { } st && v.Histogram is { } h)
        {
            sb.Append("<section class=\"stats\"><h2>Activations</h2>");
            sb.Append($"<p>fires on {st.Count} of {st.Tokens} tokens (density {N(st.Density, "E2")}), max {N(st.Max, "F3")}, mean {N(st.Mean, "F3")}</p>");
            sb.Append(Svg.Histogram(h.Counts, h.Max)).Append("</section>");
        }
        else sb.Append("<p class=\"muted\">no latent cache for this SAE yet: submit a cache_build job</p>");
        double max = v.Stats?.Max ?? 0;
        Examples(sb, "Top activations", "top", v.TopExamples, max);
        Examples(sb, "Quantile samples", "quantile", v.QuantileExamples, max);
        sb.Append("<section class=\"effects\"><h2>Output tokens</h2>");
        if (v.Promoted.Count + v.Suppressed.Count == 0) sb.Append("<p class=\"muted\">not computed yet (a labeling run records them)</p>");
        else
        {
            sb.Append("<div class=\"cols\"><div><h3>promoted</h3>");
            foreach (var t in v.Promoted) sb.Append($"<span class=\"tok pos\">{E(t.Token)} <small>{N(t.Logit, "F2")}</small></span> ");
            sb.Append("</div><div><h3>suppressed</h3>");
            foreach (var t in v.Suppressed) sb.Append($"<span class=\"tok neg\">{E(t.Token)} <small>{N(t.Logit, "F2")}</small></span> ");
            sb.Append("</div></div>");
        }
        sb.Append("</section><section class=\"neighbours\"><h2>Neighbours (decoder cosine)</h2><ul>");
        foreach (var n in v.Neighbours)
            sb.Append($"<li><a href=\"/features/{Uri.EscapeDataString(v.Sae)}/{n.Feature}\">#{n.Feature}</a> {N(n.Cosine, "F3")} <span class=\"muted\">{E(n.Label)}</span></li>");
        sb.Append("</ul></section>");
    }

    private static void Examples(StringBuilder sb, string title, string kind, IReadOnlyList<ExampleView> ex, double max)
    {
        if (ex.Count == 0) return;
        sb.Append($"<section class=\"examples {kind}\"><h2>{title}</h2>");
        foreach (var e in ex)
        {
            sb.Append($"<div class=\"example\" data-peak=\"{N(e.PeakValue, "F3")}\"><span class=\"muted\">{(e.Bin is { } b ? $"bin {b} · " : "")}ctx {e.ContextId} · {N(e.PeakValue, "F3")}</span> ");
            for (int i = 0; i < e.Tokens.Count; i++)
            {
                double a = i < e.Activations.Count ? e.Activations[i] : 0;
                sb.Append("<span class=\"tok").Append(i == e.Peak ? " peak" : "").Append(a > 0 ? " on" : "").Append("\" style=\"background:");
                AppendHeat(sb, a, max).Append(CultureInfo.InvariantCulture, $"\" title=\"{a:F3}\">").Append(E(e.Tokens[i])).Append("</span>");
            }
            sb.Append("</div>");
        }
        sb.Append("</section>");
    }

    private static string JobsPage(JobStore s, JobHandlers h)
    {
        var sb = new StringBuilder("<h1>Jobs</h1><form id=\"submit\" class=\"submit\"><select id=\"kind\">");
        foreach (var x in h.All) sb.Append($"<option value=\"{E(x.Kind)}\" title=\"{E(x.Description)}\">{E(x.Kind)}</option>");
        sb.Append("</select><input id=\"args\" size=\"60\" value=\"{}\" aria-label=\"arguments (JSON)\"><button type=\"submit\">Submit</button> <span id=\"submit-status\" class=\"muted\"></span></form>");
        sb.Append("<p class=\"muted\">Kinds: ");
        foreach (var x in h.All) sb.Append($"<b>{E(x.Kind)}</b> — {E(x.Description)}. ");
        sb.Append("</p><table id=\"jobs\" class=\"jobs\"><tr><th>id</th><th>kind</th><th>state</th><th>progress</th><th>message</th><th></th></tr>");
        foreach (var j in s.List(limit: 50)) sb.Append(JobRow(j));
        sb.Append("</table><pre id=\"log\" class=\"log\"></pre>");
        return Html.Page("Jobs", "Jobs", sb.ToString(), "interp.jobsPage();");
    }

    public static string JobRow(JobRecord j)
    {
        string pct = j.Total > 0 ? N(100.0 * j.Done / j.Total, "F0") : "";
        return $"<tr id=\"job-{j.Id}\" data-state=\"{E(j.State)}\"><td>{j.Id}</td><td>{E(j.Kind)}</td><td class=\"state {E(j.State)}\">{E(j.State)}</td>" +
               $"<td><progress max=\"100\" value=\"{pct}\"></progress> <span class=\"count\">{j.Done}{(j.Total >= 0 ? "/" + j.Total : "")}</span></td>" +
               $"<td class=\"msg\">{E(j.Error ?? j.Message)}</td><td><button data-watch=\"{j.Id}\">watch</button> <button data-cancel=\"{j.Id}\">cancel</button> <button data-retry=\"{j.Id}\">retry</button></td></tr>";
    }

    private static string ChatPage() => Html.Page("Chat", "Chat",
        "<h1>Chat with the investigator</h1><div id=\"chat\" class=\"chat\"></div><form id=\"ask\" class=\"ask\"><input id=\"question\" size=\"70\" " +
        "placeholder=\"e.g. which features of toy-small fire on names?\"><button type=\"submit\">Ask</button></form><p class=\"muted\">Tool calls are shown as they happen.</p>",
        "interp.chatPage();");

    private static string DriftPage(ServeSettings s, EvalStore store)
    {
        var sb = new StringBuilder("<h1>Eval drift</h1>");
        if (s.Schedules.Suites.Count == 0) sb.Append("<p class=\"muted\">no eval suites configured (Schedules.suites)</p>");
        foreach (var suite in s.Schedules.Suites)
        {
            var runs = store.History(suite.Name);
            var report = DriftReport.Build(suite.Name, runs);
            sb.Append($"<section class=\"suite\" id=\"suite-{E(suite.Name)}\"><h2>{E(suite.Name)} <small class=\"muted\">{E(suite.Kind)} · {E(suite.Cron ?? "on demand")} · {report.Runs} run(s)</small></h2>");
            if (report.Latest is null) { sb.Append("<p class=\"muted\">no successful run yet</p></section>"); continue; }
            sb.Append("<table class=\"drift\"><tr><th>metric</th><th>latest</th><th>vs previous</th><th>vs first</th></tr>");
            var prev = report.Previous.ToDictionary(l => l.Metric);
            var first = report.First.ToDictionary(l => l.Metric);
            foreach (var m in report.Latest.Metrics)
                sb.Append($"<tr><td>{E(m.Name)}</td><td>{N(m.Value, "F3")} [{N(m.CiLow, "F3")}, {N(m.CiHigh, "F3")}]</td><td>{Delta(prev.GetValueOrDefault(m.Name))}</td><td>{Delta(first.GetValueOrDefault(m.Name))}</td></tr>");
            sb.Append("</table><div class=\"charts\">");
            foreach (var name in report.Latest.Metrics.Select(m => m.Name))
            {
                var pts = runs.Where(r => r.State == "succeeded").Select(r => (r, m: r.Metrics.FirstOrDefault(x => x.Name == name))).Where(x => x.m is not null)
                    .Select(x => (x.r.Id, x.m!.Value, x.m.CiLow, x.m.CiHigh, Flag(x.r, name, report))).ToList();
                sb.Append($"<figure><figcaption>{E(name)}</figcaption>{Svg.Drift(name, pts)}</figure>");
            }
            sb.Append("</div></section>");
        }
        return Html.Page("Drift", "Drift", sb.ToString());
    }

    private static bool Flag(EvalRun r, string metric, DriftReport rep) =>
        rep.Latest is { } l && r.Id == l.Id && (rep.Previous.Any(x => x.Metric == metric && x.Flagged) || rep.First.Any(x => x.Metric == metric && x.Flagged));

    private static string Delta(DriftLine? l) => l is null ? "–"
        : $"<span class=\"{(l.Flagged ? "flag" : "ok")}\">{(l.Delta >= 0 ? "+" : "")}{N(l.Delta, "F3")} [{N(l.DeltaLow, "F3")}, {N(l.DeltaHigh, "F3")}]{(l.Flagged ? " ⚑" : "")}</span>";
}

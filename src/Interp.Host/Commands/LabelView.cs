// How `interp label` shows things to people: the live progress bar on stderr (one redrawn line on a terminal, a line every
// few seconds otherwise), the results table with the real-vs-shuffled verdicts, and one feature's record as text.
using System.Diagnostics;
using System.Globalization;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Report;
using Interp.Agent.Labeling.Store;
using Interp.Agent.Scoring;
using Interp.Index.Records;

namespace Interp.Host.Commands;

internal sealed class ProgressBar
{
    private readonly bool _tty = !Console.IsErrorRedirected;
    private readonly Stopwatch _sw = Stopwatch.StartNew();
    private double _last = -100;

    public void On(LabelingProgress p)
    {
        double now = _sw.Elapsed.TotalSeconds;
        if (now - _last < (_tty ? 0.25 : 5) && p.Done < p.Total) return;
        _last = now;
        if (_tty) Console.Error.Write("\r" + p.Line() + "   ");
        else Console.Error.WriteLine(p.Line());
    }

    public void Finish(LabelingProgress p)
    {
        if (_tty) Console.Error.WriteLine("\r" + p.Line() + "   ");
        else Console.Error.WriteLine(p.Line());
        Console.Error.WriteLine($"label: {p.Done - p.DoneBefore} features labeled in {p.Elapsed.TotalSeconds:F1} s ({p.PerMinute:F1} per minute)" +
                                (p.DoneBefore > 0 ? $", {p.DoneBefore} already done before this run" : ""));
    }
}

internal static class LabelView
{
    public static void Table(RunStore store, IReadOnlyList<FeatureRecord> records, int rows, TextWriter o)
    {
        var m = store.Manifest;
        var methods = m.Scorers.Concat(m.Shuffled.Select(s => s + ScoreMethods.ShuffledSuffix)).ToList();
        o.WriteLine();
        o.WriteLine($"{"feature",7}  {"label",-72}  " + string.Join("  ", methods.Select(x => $"{Short(x),-20}")));
        foreach (var r in records.Take(rows))
        {
            var label = r.Explanations.FirstOrDefault()?.Text ?? "(" + string.Join("; ", r.Failures.Select(f => $"{f.Stage}: {f.Kind}")) + ")";
            o.WriteLine($"{r.Feature,7}  {Trim(label, 72),-72}  " + string.Join("  ", methods.Select(x => $"{Cell(r, x),-20}")));
        }
        if (records.Count > rows) o.WriteLine($"... {records.Count - rows} more features in the report");
        var a = RunAnalysis.From(records, m.Scorers, m.Shuffled, m.Examples.Seed);
        o.WriteLine();
        foreach (var s in a.Methods)
            o.WriteLine($"{s.Method,-22} scored {s.Scored,5}  failed {s.Failed,5}  mean {N(s.Mean)}  median {N(s.Median)}");
        foreach (var c in a.Shuffled)
            o.WriteLine($"sanity {c.Method}: real beats shuffled on {c.RealBeats}/{c.Pairs} features, mean {N(c.MeanReal)} vs {N(c.MeanShuffled)}, " +
                        $"margin {N(c.MeanMargin)} (95% CI {N(c.MarginLow)} to {N(c.MarginHigh)}); shuffled undefined on {c.ShuffledUndefined} more");
    }

    /// <summary>Features with a failed stage that a re-run retries (LLM errors, unparseable answers), then those failed for
    /// good (facts of the data: no activations, an undefined correlation); each with its first reason.</summary>
    public static void Failures(IReadOnlyList<FeatureRecord> records, TextWriter o, int limit = 20)
    {
        var retry = records.Where(r => r.Failures.Any(f => FailureKinds.IsRetryable(f.Kind))).ToList();
        int settled = records.Count(r => r.Failures.Count > 0) - retry.Count;
        if (retry.Count == 0 && settled == 0) return;
        o.WriteLine();
        if (retry.Count > 0)
        {
            o.WriteLine($"failed: {retry.Count} features with a stage a re-run of the same command retries:");
            foreach (var r in retry.Take(limit))
            {
                var f = r.Failures.First(x => FailureKinds.IsRetryable(x.Kind));
                o.WriteLine($"  {r.Feature,7}  {f.Stage}: {f.Kind}: {Trim(f.Reason, 110)}");
            }
            if (retry.Count > limit) o.WriteLine($"  ... {retry.Count - limit} more (interp label show --run RUN --feature N)");
        }
        if (settled > 0) o.WriteLine($"{settled} features have a stage failed for good (no activations, undefined score, ...): see the report");
    }

    /// <summary>One line per LLM endpoint whose circuit opened during the run: how often, how long calls waited it out, and
    /// whether it ended down (then the features it refused are in the failure list as circuit_open).</summary>
    public static void Circuits(IReadOnlyList<Interp.Agent.Llm.Resilience.CircuitHealth> circuits, TextWriter o)
    {
        foreach (var c in circuits.Where(c => c.Opened > 0))
            o.WriteLine($"llm endpoint '{c.Endpoint}': circuit opened {c.Opened} times (last failure: {c.LastFailure ?? "?"}); " +
                        $"calls waited it out {c.Waits} times, {c.Waited.TotalSeconds:F1} s in all" +
                        (c.IsDown ? $"; down at the end ({c.OpenStreak} openings in a row without a successful call)" : ""));
    }

    public static void Feature(RunStore store, int feature, FeatureRecord? r, TextWriter o)
    {
        o.WriteLine($"feature {feature} · {store.Manifest.Sae.Name} at {store.Manifest.Sae.HookName} · run {store.RunId}");
        foreach (var (stage, row) in store.Stages(feature).OrderBy(kv => Order(store.Manifest, kv.Key)))
            o.WriteLine($"  stage {stage,-28} {row.Status,-10}{(row.Kind is null ? "" : $" {row.Kind}: {row.Reason}")}");
        if (r is null) { o.WriteLine("  (no record yet: resume the run to settle its stages)"); return; }
        foreach (var e in r.Explanations)
            o.WriteLine($"  label{(e.Cluster is int c ? $" (cluster {c})" : "")}: {e.Text}");
        foreach (var s in r.Scores)
            o.WriteLine($"  {s.Method,-22} {s.Value,7:F3}  95% CI [{s.CiLow:F3}, {s.CiHigh:F3}]  ({s.Capability}, label {s.ExplanationIndex}, {s.Examples.Count} windows)");
        foreach (var f in r.Failures)
            o.WriteLine($"  failed {f.Stage}: {f.Kind}: {f.Reason}");
        if (r.Stats is { } st)
            o.WriteLine($"  fires on {st.Count:N0} of {st.Tokens:N0} tokens (density {st.Density:P3}), max {st.Max:G4}, mean {st.Mean:G4}");
        if (r.Promoted.Count > 0) o.WriteLine("  promotes   " + string.Join("  ", r.Promoted.Select(t => $"{Quote(t.Token)} {t.Logit:+0.00;-0.00}")));
        if (r.Suppressed.Count > 0) o.WriteLine("  suppresses " + string.Join("  ", r.Suppressed.Select(t => $"{Quote(t.Token)} {t.Logit:+0.00;-0.00}")));
    }

    /// <summary>"0-47, 100" for a sorted list of indices.</summary>
    public static string Ranges(IReadOnlyList<int> xs)
    {
        var parts = new List<string>();
        for (int i = 0; i < xs.Count;)
        {
            int j = i;
            while (j + 1 < xs.Count && xs[j + 1] == xs[j] + 1) j++;
            parts.Add(i == j ? $"{xs[i]}" : $"{xs[i]}-{xs[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    private static int Order(RunManifest m, string stage)
    {
        var s = m.Stages();
        for (int i = 0; i < s.Count; i++) if (s[i] == stage) return i;
        return s.Count;
    }

    private static string Cell(FeatureRecord r, string method)
    {
        if (RunAnalysis.Main(r, method) is { } s) return $"{s.Value:F2} [{s.CiLow:F2},{s.CiHigh:F2}]".Replace("NaN", "-");
        var f = r.Failures.FirstOrDefault(x => x.Stage == "score:" + method);
        return f is null ? "-" : $"({f.Kind})";
    }

    private static string Short(string method) => method.Replace(ScoreMethods.ShuffledSuffix, " (shuf)");

    private static string Trim(string s, int n)
    {
        s = s.Replace("\n", "\\n");
        return s.Length <= n ? s : s[..(n - 1)] + "…";
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n") + "\"";

    private static string N(double? v) => v is double d && double.IsFinite(d) ? d.ToString("0.000", CultureInfo.InvariantCulture) : "  -  ";
}

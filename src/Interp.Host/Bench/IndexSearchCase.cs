// `index_search_{text|decoder}[_filtered]_100k`: one top-10 query per iteration on the 100k embedded index (exact search,
// all cores); text queries include their MiniLM embedding (search_only_* times the same queries from their vectors).
// Reports p50/p99 latency and recall@10 against the planted neighbours (1.0 = exact), plus the one-time costs: building
// the index (it is written straight into the in-memory copy) and a cold reopen of the file with its first query.
using System.Diagnostics;
using Interp.Index;

namespace Interp.Host.Bench;

public sealed class IndexSearchCase(VectorKind kind, bool filtered) : IBenchCase
{
    private readonly List<double> _ms = new();
    private readonly List<double> _recall = new();
    private readonly List<double> _searchOnlyMs = new();
    private IndexBenchData? _data;
    private int _next;
    private double _firstQuerySeconds;

    public string Name => $"index_search_{(kind == VectorKind.Explanation ? "text" : "decoder")}{(filtered ? "_filtered" : "")}_100k";
    public bool InQuickRun => false;
    public double MinSeconds => 6.0;   // a few hundred queries at least, so p99 is not just the single slowest

    public void Setup(BenchContext ctx)
    {
        _data = IndexBenchData.Get();
        var sw = Stopwatch.StartNew();
        Query();                           // the first query of a process loads the vectors into memory (once per index)
        _firstQuerySeconds = sw.Elapsed.TotalSeconds;
        _ = _data.ReopenSeconds;
        // The cold reopen left a second 100k-row copy (~0.6 GB) as garbage in this process, which a real one would not
        // have: collect it here rather than inside the timed queries.
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        _ms.Clear(); _recall.Clear(); _searchOnlyMs.Clear();
    }

    public void Run() => Query();

    private void Query()
    {
        var qs = kind == VectorKind.Explanation ? _data!.ExplanationQueries : _data!.DecoderQueries;
        var (text, vector, inside, outside) = qs[_next++ % qs.Count];
        var filter = filtered ? IndexBenchData.Filter : null;
        var sw = Stopwatch.StartNew();
        var hits = kind == VectorKind.Explanation
            ? _data.Index.SearchByTextAsync(text!, filter, top: 10).GetAwaiter().GetResult()
            : _data.Index.SearchByVectorAsync(VectorKind.Decoder, vector, filter, top: 10).GetAwaiter().GetResult();
        _ms.Add(sw.Elapsed.TotalMilliseconds);
        if (kind == VectorKind.Explanation)
        {
            sw.Restart();
            _data.Index.SearchByVectorAsync(VectorKind.Explanation, vector, filter, top: 10).GetAwaiter().GetResult();
            _searchOnlyMs.Add(sw.Elapsed.TotalMilliseconds);
        }
        // Unfiltered, the 5 decoys (0.995…0.975) outrank the planted 10 (0.99…0.90): the exact top 10 interleaves them.
        var expected = filtered ? inside
            : inside.Select((k, i) => (k, c: 0.99 - 0.01 * i)).Concat(outside.Select((k, i) => (k, c: 0.995 - 0.005 * i)))
                .OrderByDescending(x => x.c).Take(10).Select(x => x.k).ToArray();
        _recall.Add(hits.Select(h => h.Key).Intersect(expected).Count() / 10.0);
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
    {
        var s = _ms.Order().ToArray();
        double P(double p) => Percentile(s, p);
        record.Add("features", IndexBenchData.Features).Add("top", 10).Add("d_explanation", IndexBenchData.DExplanation)
            .Add("d_decoder", IndexBenchData.DDecoder).Add("filter", filtered ? "layer=3 & score>=0.5 (6% of points)" : "none")
            .Add("p50_ms", Math.Round(P(0.50), 3)).Add("p99_ms", Math.Round(P(0.99), 3)).Add("queries", s.Length)
            .Add("recall_at_10", _recall.Average()).Add("first_query_s", Math.Round(_firstQuerySeconds, 3))
            .Add("build_s", Math.Round(_data!.BuildSeconds, 3)).Add("reopen_open_s", Math.Round(_data.ReopenSeconds.Open, 3))
            .Add("reopen_first_query_s", Math.Round(_data.ReopenSeconds.FirstQuery, 3)).Add("cores", Environment.ProcessorCount);
        if (_searchOnlyMs.Count > 0)
        {
            var o = _searchOnlyMs.Order().ToArray();
            record.Add("search_only_p50_ms", Math.Round(Percentile(o, 0.50), 3)).Add("search_only_p99_ms", Math.Round(Percentile(o, 0.99), 3));
        }
        if (LoadAverage() is { } load) record.Add("load_avg_1m", load);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>The 1-minute load average when the case ended (Linux), so figures taken on a shared machine say so.</summary>
    private static double? LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    public void Dispose() { }
}

// `index_upsert_100k`: upsert throughput of the embedded store (SQLite, WAL, batches of 2000 in one transaction each)
// for records with 384-d explanation and 768-d decoder vectors, 10,000 features per iteration into a store that grows to
// 100k (later iterations replace: upserts are idempotent). Embedding time is not included (see index_minilm_embed).
using Interp.Index;
using Interp.Index.Embedded;

namespace Interp.Host.Bench;

public sealed class IndexUpsertCase : IBenchCase
{
    private const int PerIteration = 10_000, Batch = 2000;
    private List<IndexedFeature> _items = [];
    private FeatureIndex? _index;
    private string? _dir;
    private int _next;

    public string Name => "index_upsert_100k";
    public bool InQuickRun => false;

    public void Setup(BenchContext ctx)
    {
        var zeros = IndexBenchData.TextQueries.Select(_ => IndexBenchData.Unit(IndexBenchData.Gaussian(new Random(1), IndexBenchData.DExplanation))).ToArray();
        var (items, explanationOf, _, _) = IndexBenchData.Make(zeros);
        _items = items;
        _dir = Directory.CreateTempSubdirectory("interp-bench-upsert-").FullName;
        _index = FeatureIndex.OpenAsync(new EmbeddedFeatureStore(Path.Combine(_dir, "index.db")), new BenchEmbedder(explanationOf),
            new FeatureIndexSettings { UpsertBatch = Batch }).GetAwaiter().GetResult();
    }

    public void Run()
    {
        var slice = _items.GetRange(_next % _items.Count, PerIteration);
        _next += PerIteration;
        _index!.UpsertAsync(slice).GetAwaiter().GetResult();
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record) =>
        record.Add("features_per_s", Math.Round(PerIteration / secondsPerIteration, 1)).Add("batch", Batch).Add("per_iteration", PerIteration)
            .Add("d_explanation", IndexBenchData.DExplanation).Add("d_decoder", IndexBenchData.DDecoder)
            .Add("rows_after", _index!.CountAsync().GetAwaiter().GetResult());

    public void Dispose()
    {
        _index?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_dir is not null) try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

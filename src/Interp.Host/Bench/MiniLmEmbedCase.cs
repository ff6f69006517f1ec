// `index_minilm_embed`: how fast the offline embedder (all-MiniLM-L6-v2 through ONNX Runtime) turns explanation-length
// strings into 384-d vectors, in batches of 64 (the index's embed batch): strings per second.
using Interp.Index.Embeddings;

namespace Interp.Host.Bench;

public sealed class MiniLmEmbedCase : IBenchCase
{
    private const int Batch = 64;
    private readonly MiniLmEmbeddingGenerator _gen = new();
    private string[][] _batches = [];
    private int _next;

    public string Name => "index_minilm_embed";
    public bool InQuickRun => false;

    public void Setup(BenchContext ctx)
    {
        string[] topics = IndexBenchData.TextQueries;
        _batches = Enumerable.Range(0, 8).Select(b => Enumerable.Range(0, Batch)
            .Select(i => $"{topics[(b * Batch + i) % topics.Length]}, especially in sentence {b * Batch + i} of a story").ToArray()).ToArray();
    }

    public void Run() => _gen.GenerateAsync(_batches[_next++ % _batches.Length]).GetAwaiter().GetResult();

    public void AddMetrics(double secondsPerIteration, BenchRecord record) =>
        record.Add("strings_per_s", Math.Round(Batch / secondsPerIteration, 1)).Add("batch", Batch).Add("dim", MiniLmEmbeddingGenerator.Dimension);

    public void Dispose() { }
}

// Embedding scoring (delphi): how well the explanation's MiniLM embedding separates the activating windows of the score
// set from the non-activating ones — ROC AUC of cosine similarity (the vectors are unit length, so a dot product). The
// interval resamples each class separately. No LLM; capability "minilm".
using System.Numerics.Tensors;
using Interp.Agent.Labeling;
using Interp.Index.Embeddings;
using Interp.Index.Records;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Scoring;

public sealed class EmbeddingScorer(IEmbeddingGenerator<string, Embedding<float>> embedder, int resamples = Statistics.DefaultResamples) : IScorer
{
    public const string CapabilityName = "minilm";

    public string Method => ScoreMethods.Embedding;

    public async Task<Outcome<Score>> ScoreAsync(ScoreRequest request, CancellationToken ct = default)
    {
        var ex = request.Examples;
        int pos = ex.Count(e => e.IsActivating), neg = ex.Count - pos;
        if (pos == 0 || neg == 0)
            return Outcome<Score>.Fail(FailureKinds.NoNegatives, $"the score set needs activating and non-activating windows; it has {pos} and {neg}");
        var texts = ex.Select(e => e.Text).Prepend(LexicalTerms.EmbeddingText(request.Explanation)).ToList();
        var vectors = await embedder.GenerateAsync(texts, cancellationToken: ct);
        var query = vectors[0].Vector.Span;
        var sims = new double[ex.Count];
        for (int i = 0; i < ex.Count; i++) sims[i] = TensorPrimitives.Dot(query, vectors[i + 1].Vector.Span);
        var p = Enumerable.Range(0, ex.Count).Where(i => ex[i].IsActivating).Select(i => sims[i]).ToArray();
        var n = Enumerable.Range(0, ex.Count).Where(i => !ex[i].IsActivating).Select(i => sims[i]).ToArray();
        double auc = Statistics.Auc(p, n)!.Value;
        var ci = Statistics.Bootstrap(r => Statistics.Auc(Statistics.Resample(r, p.Length).Select(i => p[i]).ToList(),
            Statistics.Resample(r, n.Length).Select(i => n[i]).ToList()), request.Seed ^ 0xE3Bu, resamples);
        var metrics = new Dictionary<string, double>
        {
            ["positives"] = p.Length, ["negatives"] = n.Length, ["mean_similarity_positive"] = p.Average(), ["mean_similarity_negative"] = n.Average(),
            ["ci_valid_resamples"] = ci.Valid,
        };
        return Outcome<Score>.Ok(new Score(Method, CapabilityName, auc, ci.Low, ci.High, request.ExplanationIndex, metrics,
            ex.Select(e => e.ToRef()).ToList(), MiniLmEmbeddingGenerator.ModelId, null));
    }
}

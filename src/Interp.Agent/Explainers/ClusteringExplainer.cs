// Multi-concept labels (as PRISM): embeds the feature's activating explain-set windows with MiniLM, groups them by
// k-means, and asks the inner explainer (offline or LLM) for one label per cluster, largest cluster first, each with its
// Cluster index. Clusters smaller than MinSize get no label of their own. Wraps any IExplainer.
using Interp.Agent.Labeling;
using Interp.Index.Records;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Explainers;

public sealed class ClusteringExplainer(IExplainer inner, IEmbeddingGenerator<string, Embedding<float>> embedder, int k, ulong seed,
    int minSize = 2) : IExplainer
{
    public string Name => inner.Name;

    public async Task<Outcome<IReadOnlyList<Explanation>>> ExplainAsync(ExplainRequest request, CancellationToken ct = default)
    {
        var active = request.Examples.Where(e => e.IsActivating).ToList();
        if (active.Count == 0) return await inner.ExplainAsync(request, ct);
        var vectors = await embedder.GenerateAsync(active.Select(e => e.Text), cancellationToken: ct);
        var labels = KMeans.Cluster(vectors.Select(v => v.Vector.ToArray()).ToList(), k, seed ^ (ulong)request.Feature);
        var groups = Enumerable.Range(0, labels.Length).GroupBy(i => labels[i])
            .Select(g => g.Select(i => active[i]).ToList())
            .Where(g => g.Count >= minSize)
            .OrderByDescending(g => g.Count).ThenBy(g => g[0].ContextId).ToList();
        if (groups.Count == 0) groups = [active];
        var result = new List<Explanation>();
        var usage = StageUsage.None;
        for (int c = 0; c < groups.Count; c++)
        {
            var one = await inner.ExplainAsync(request with { Examples = groups[c] }, ct);
            usage = usage.Add(one.Usage);
            if (!one.Succeeded) return Outcome<IReadOnlyList<Explanation>>.Fail(one.Error! with { Reason = $"cluster {c}: {one.Error!.Reason}" }, usage);
            result.AddRange(one.Value.Select(e => e with { Cluster = c }));
        }
        return Outcome<IReadOnlyList<Explanation>>.Ok(result, usage);
    }
}

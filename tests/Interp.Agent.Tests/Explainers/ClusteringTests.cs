// Multi-concept labels: k-means separates well-apart groups deterministically, and the clustering explainer gives one
// offline label per cluster (largest first) from a stand-in embedder that maps each window to its group's direction.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling.Examples;
using Microsoft.Extensions.AI;
using static Interp.Agent.Tests.Labeling.ToyCacheFixture;

namespace Interp.Agent.Tests.Explainers;

public sealed class ClusteringTests
{
    [Fact]
    public void Cluster_TwoSeparatedGroups_SplitExactlyAndReproducibly()
    {
        var pts = new List<float[]> { new[] { 0f, 0f }, new[] { 0.1f, 0f }, new[] { 10f, 10f }, new[] { 0f, 0.1f }, new[] { 10.1f, 10f } };
        var a = KMeans.Cluster(pts, 2, 3);
        Assert.Equal(a, KMeans.Cluster(pts, 2, 3));
        Assert.Equal(a[0], a[1]);
        Assert.Equal(a[0], a[3]);
        Assert.Equal(a[2], a[4]);
        Assert.NotEqual(a[0], a[2]);
        Assert.Equal(new[] { 0, 0, 0 }, KMeans.Cluster([new[] { 1f }, new[] { 1f }, new[] { 1f }], 3, 1));
    }

    /// <summary>A stand-in embedder (not MiniLM): texts containing "cat" point one way, others the other way.</summary>
    private sealed class TwoWayEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken ct = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(v.Contains("cat") ? new[] { 1f, 0f } : new[] { 0f, 1f }))));
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    [Fact]
    public async Task Explain_TwoConcepts_OneLabelPerClusterLargestFirst()
    {
        var ex = new List<LabelingExample>();
        for (int i = 0; i < 3; i++) ex.Add(Window(ExampleSets.Explain, ExampleKinds.Top, i, ["a", " cat"], [0, 5]));
        for (int i = 3; i < 5; i++) ex.Add(Window(ExampleSets.Explain, ExampleKinds.Top, i, ["in", " Paris"], [0, 4]));
        var r = await new ClusteringExplainer(new OfflineExplainer(), new TwoWayEmbedder(), 2, 7).ExplainAsync(new ExplainRequest(1, ex, [], []));
        Assert.True(r.Succeeded);
        Assert.Equal(2, r.Value.Count);
        Assert.Equal(0, r.Value[0].Cluster);
        Assert.Contains("\"cat\"", r.Value[0].Text);
        Assert.DoesNotContain("Paris", r.Value[0].Text);
        Assert.Equal(1, r.Value[1].Cluster);
        Assert.Contains("\"Paris\"", r.Value[1].Text);
        Assert.Equal(3, r.Value[0].Examples.Count);
    }
}

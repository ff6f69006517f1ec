// The backends the one contract suite runs on: the embedded SQLite store, the Qdrant adapter against the stand-in
// Qdrant, and the Qdrant adapter against a real server when QDRANT_URL is set (a fresh collection per case, deleted after).
using Interp.Index.Embedded;
using Interp.Index.QdrantAdapter;
using Interp.Index.Tests.QdrantAdapter;
using Microsoft.Extensions.AI;
using Qdrant.Client;

namespace Interp.Index.Tests.Contract;

public interface IContractBackend : IAsyncDisposable
{
    string Name { get; }
    /// <summary>Whether equal scores come back in id order (ours do; a real Qdrant does not promise an order for ties).</summary>
    bool DeterministicTies { get; }
    Task<IFeatureIndex> OpenAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, FeatureIndexSettings? settings = null);
}

public sealed class EmbeddedBackend : IContractBackend
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-index-").FullName;
    public string Path => System.IO.Path.Combine(_dir, "index.db");
    public string Name => "embedded";
    public bool DeterministicTies => true;

    public async Task<IFeatureIndex> OpenAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, FeatureIndexSettings? settings = null) =>
        await FeatureIndex.OpenAsync(new EmbeddedFeatureStore(Path), embedder, settings);

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}

public sealed class StandInQdrantBackend : IContractBackend
{
    public StandInQdrant Server { get; } = new();
    public QdrantIndexOptions Options { get; init; } = new() { Collection = "contract", RetryDelayMs = 1 };
    public string Name => "qdrant-stand-in";
    public bool DeterministicTies => true;

    public async Task<IFeatureIndex> OpenAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, FeatureIndexSettings? settings = null) =>
        await FeatureIndex.OpenAsync(new QdrantFeatureStore(Options, Server), embedder, settings);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class RealQdrantBackend : IContractBackend
{
    public const string UrlVariable = "QDRANT_URL";
    public static string? Url => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } u ? u : null;
    private readonly QdrantIndexOptions _options = new() { Url = Url!, Collection = $"interp_contract_{Guid.NewGuid():N}", ApiKeyEnv = "QDRANT_API_KEY" };
    public string Name => $"qdrant at {Url}";
    public bool DeterministicTies => false;

    public async Task<IFeatureIndex> OpenAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, FeatureIndexSettings? settings = null) =>
        await FeatureIndex.OpenAsync(new QdrantFeatureStore(_options), embedder, settings);

    public async ValueTask DisposeAsync()
    {
        var uri = new Uri(_options.Url);
        using var client = new QdrantClient(uri, Environment.GetEnvironmentVariable("QDRANT_API_KEY"));
        if (await client.CollectionExistsAsync(_options.Collection)) await client.DeleteCollectionAsync(_options.Collection);
    }
}

// A process's one feature index, opened on first use (MiniLM loads lazily on the first text search) and shared by the
// server's API, UI, tool calls and index jobs: the embedded store or Qdrant, as the Index section says. AddInterpIndex is
// this assembly's one DI registration.
using Interp.Index.Embeddings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interp.Index;

public sealed class SharedFeatureIndex(IndexOptions options, ILoggerFactory? loggers = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IFeatureIndex? _index;

    public IndexOptions Options => options;

    public async Task<IFeatureIndex> GetAsync(CancellationToken ct = default)
    {
        if (_index is { } i) return i;
        await _gate.WaitAsync(ct);
        try
        {
            if (_index is { } j) return j;
            if (options.Backend == IndexOptions.BackendEmbedded)
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Embedded.Path))!);
            return _index = await FeatureIndexFactory.OpenAsync(options, new MiniLmEmbeddingGenerator(), create: true, loggers ?? NullLoggerFactory.Instance, ct: ct);
        }
        finally { _gate.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (_index is { } i) await i.DisposeAsync();
    }
}

public static class IndexServiceCollectionExtensions
{
    /// <summary>The validated Index options and the shared index (opened on first use).</summary>
    public static IServiceCollection AddInterpIndex(this IServiceCollection services, IndexOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(sp => new SharedFeatureIndex(options, sp.GetService<ILoggerFactory>()));
        return services;
    }
}

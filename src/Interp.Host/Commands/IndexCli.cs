// What `interp index` and `interp search` share: the Index section of appsettings.json with the command line's
// overrides, the text embedder (offline MiniLM), opening the index, and turning index errors into one clear line.
using Interp.Index;
using Interp.Index.Embeddings;
using Microsoft.Extensions.AI;

namespace Interp.Host.Commands;

internal static class IndexCli
{
    /// <summary>appsettings.json from the working directory, else beside the executable; then --index / --to / --qdrant-url.</summary>
    public static IndexOptions Options(string? indexPath, string? backend, string? qdrantUrl = null)
    {
        string file = File.Exists("appsettings.json") ? "appsettings.json" : Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var o = IndexOptionsJson.FromAppSettings(file);
        if (backend is not null)
        {
            if (backend is not (IndexOptions.BackendEmbedded or IndexOptions.BackendQdrant))
                throw new CliException($"--to/--from '{backend}' is not a backend; use embedded or qdrant.");
            o = o with { Backend = backend };
        }
        if (indexPath is not null)
        {
            if (o.Backend == IndexOptions.BackendQdrant && backend is not null)
                throw new CliException("--index names an embedded index file; it cannot go with the qdrant backend (set Index:Qdrant in appsettings.json).");
            o = o with { Backend = IndexOptions.BackendEmbedded, Embedded = o.Embedded with { Path = indexPath } };
        }
        if (qdrantUrl is not null) o = o with { Qdrant = o.Qdrant with { Url = qdrantUrl } };
        o.Validate();
        return o;
    }

    /// <summary>The text embedder of explanations and queries: MiniLM, offline. (The LLM layer's `embeddings` role can
    /// replace it; an index refuses an embedder other than the one it was built with.)</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> Embedder() => new MiniLmEmbeddingGenerator();

    public static Task<IFeatureIndex> Open(IndexOptions o, bool create) => FeatureIndexFactory.OpenAsync(o, Embedder(), create);

    public static string Where(IndexOptions o) => o.Backend == IndexOptions.BackendQdrant
        ? $"Qdrant at {o.Qdrant.Url} (collection '{o.Qdrant.Collection}')" : Path.GetFullPath(o.Embedded.Path);

    /// <summary>Runs an async verb under the CLI's error boundary; index errors are expected failures (exit 2).</summary>
    public static int Run(Func<Task<int>> body) => CliErrors.Guard(() =>
    {
        try { return body().GetAwaiter().GetResult(); }
        catch (FeatureIndexException e) { throw new CliException(e.Message); }
    });
}

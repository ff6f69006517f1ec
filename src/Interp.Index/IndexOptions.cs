// The `Index` section of appsettings.json: which backend, where the embedded file lives, how to reach Qdrant. Read by
// IndexOptionsJson (unknown keys rejected with the nearest known one); secrets only by the name of an environment variable.
using System.Text.RegularExpressions;

namespace Interp.Index;

public sealed record IndexOptions
{
    public const string BackendEmbedded = "embedded", BackendQdrant = "qdrant";

    /// <summary>"embedded" (the default: a SQLite file, no server) or "qdrant".</summary>
    public string Backend { get; init; } = BackendEmbedded;
    /// <summary>Points per store write.</summary>
    public int UpsertBatch { get; init; } = 256;
    public EmbeddedIndexOptions Embedded { get; init; } = new();
    public QdrantIndexOptions Qdrant { get; init; } = new();

    public void Validate()
    {
        if (Backend is not (BackendEmbedded or BackendQdrant)) throw new ArgumentException($"Index:Backend is '{Backend}'; use \"{BackendEmbedded}\" or \"{BackendQdrant}\".");
        new FeatureIndexSettings { UpsertBatch = UpsertBatch }.Validate();
        if (string.IsNullOrWhiteSpace(Embedded.Path)) throw new ArgumentException("Index:Embedded:Path is empty; name the SQLite file of the index.");
        Qdrant.Validate();
    }
}

public sealed record EmbeddedIndexOptions
{
    /// <summary>The index file (created by `interp index` when absent); relative paths are from the working directory.</summary>
    public string Path { get; init; } = "interp-index.db";
}

public sealed partial record QdrantIndexOptions
{
    /// <summary>Qdrant's gRPC endpoint (port 6334, not the REST port 6333); https:// for TLS.</summary>
    public string Url { get; init; } = "http://localhost:6334";
    public string Collection { get; init; } = "interp_features";
    /// <summary>The environment variable holding the API key (sent as the api-key header); unset variable = no key.</summary>
    public string? ApiKeyEnv { get; init; } = "QDRANT_API_KEY";
    /// <summary>SHA-256 thumbprint of a self-signed server certificate to trust (https only); null = normal validation.</summary>
    public string? CertificateThumbprint { get; init; }
    /// <summary>Deadline of each gRPC call.</summary>
    public double TimeoutSeconds { get; init; } = 10;
    /// <summary>Retries of an idempotent call after Unavailable / DeadlineExceeded / ResourceExhausted / Aborted.</summary>
    public int MaxRetries { get; init; } = 3;
    /// <summary>First retry delay; later ones grow exponentially (with jitter).</summary>
    public int RetryDelayMs { get; init; } = 200;

    public void Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            throw new ArgumentException($"Index:Qdrant:Url '{Url}' is not an http(s) URL; use e.g. http://localhost:6334 (the gRPC port).");
        if (!CollectionName().IsMatch(Collection))
            throw new ArgumentException($"Index:Qdrant:Collection '{Collection}' must be letters, digits, '_' or '-' (1-255 characters).");
        if (!(TimeoutSeconds > 0 && TimeoutSeconds <= 3600)) throw new ArgumentException($"Index:Qdrant:TimeoutSeconds {TimeoutSeconds} must be in (0, 3600].");
        if (MaxRetries is < 0 or > 20) throw new ArgumentException($"Index:Qdrant:MaxRetries {MaxRetries} must be between 0 and 20.");
        if (RetryDelayMs is < 0 or > 60_000) throw new ArgumentException($"Index:Qdrant:RetryDelayMs {RetryDelayMs} must be between 0 and 60000.");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,255}$")]
    private static partial Regex CollectionName();
}

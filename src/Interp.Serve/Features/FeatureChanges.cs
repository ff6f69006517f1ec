// What a job changed about the features the server shows, announced once the change is committed: an SAE's latent cache
// rebuilt (cache_build), labels and scores written into the index (index, label, rescore). Version counts every change,
// so anything that keeps derived copies (the tools session's cache, a rendered-page cache) can compare or subscribe and
// drop what is stale. A subscriber that throws is logged by the caller's job, never allowed to fail it.
namespace Interp.Serve.Features;

public enum FeatureChangeKind { Cache, Labels }

/// <param name="Sae">the catalog name of the SAE whose features changed; null when the records' SAE is not in the catalog</param>
/// <param name="Features">the features whose labels changed (Labels), or null for all of the SAE's</param>
public sealed record FeatureChange(FeatureChangeKind Kind, string? Sae, IReadOnlyCollection<int>? Features, long Version);

public sealed class FeatureChanges
{
    private long _version;

    /// <summary>Goes up by one with every announced change (0 at start).</summary>
    public long Version => Interlocked.Read(ref _version);

    public event Action<FeatureChange>? Changed;

    /// <summary>Announces a committed change; returns the exceptions subscribers threw (the caller logs them).</summary>
    public IReadOnlyList<Exception> Announce(FeatureChangeKind kind, string? sae, IReadOnlyCollection<int>? features = null)
    {
        var change = new FeatureChange(kind, sae, features, Interlocked.Increment(ref _version));
        var errors = new List<Exception>();
        foreach (var d in Changed?.GetInvocationList() ?? [])
        {
            try { ((Action<FeatureChange>)d)(change); }
            catch (Exception e) { errors.Add(e); }
        }
        return errors;
    }
}

// One SAE attached to a model session: the loaded dictionary, its display name (the folder's name), the hook it reads,
// its identity hash (as FeatureRecords and latent caches name it) and its latent cache when one was given.
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;

namespace Interp.Agent.Tools;

public sealed class SessionSae : IDisposable
{
    public required string Name { get; init; }
    public required string Dir { get; init; }
    public required Sae Sae { get; init; }
    /// <summary>SHA-256 of cfg.json and the weights (FeatureRecord.Sae.Id, the latent cache's sae_fingerprint).</summary>
    public required string SaeId { get; init; }
    public required int Layer { get; init; }
    /// <summary>Swapped by ModelSession.AttachCache (under the session's gate) when a cache is built after the session loaded.</summary>
    public LatentCache? Cache { get; internal set; }
    public string HookName => Sae.Cfg.HookName;
    public int DSae => Sae.DSae;

    public void Dispose()
    {
        Cache?.Dispose();
        Sae.Dispose();
    }
}

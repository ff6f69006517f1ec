// What a model session is opened from: one model folder, its SAE folders (each with an optional latent cache), an
// optional feature index, whether tools that write are enabled, and the bounds every tool argument is checked against.
// Plain data; opening is ModelSession.Load.
namespace Interp.Agent.Tools;

/// <param name="ModelDir">Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json)</param>
/// <param name="Saes">SAELens folders to attach, each with the latent cache built for it (or null)</param>
/// <param name="IndexPath">embedded feature-index file (labels, search_features); null = none</param>
/// <param name="AllowWrites">enables tools that write (save_label, save_note); off by default</param>
/// <param name="NotesPath">where save_label / save_note append (JSON lines); default notes.jsonl beside the index or the working directory</param>
public sealed record ModelSessionOptions(string ModelDir, IReadOnlyList<SaeSource>? Saes = null, string? IndexPath = null,
    bool AllowWrites = false, string? NotesPath = null, ToolLimits? Limits = null)
{
    public ToolLimits EffectiveLimits => Limits ?? ToolLimits.Default;
}

/// <param name="Dir">SAELens folder (cfg.json, sae_weights.safetensors)</param>
/// <param name="CachePath">latent cache built for this model and SAE (`interp cache build`); null = feature_info without examples</param>
public sealed record SaeSource(string Dir, string? CachePath = null)
{
    /// <summary>Parses the CLI form DIR or DIR=CACHE.</summary>
    public static SaeSource Parse(string spec)
    {
        int eq = spec.IndexOf('=');
        return eq < 0 ? new SaeSource(spec) : new SaeSource(spec[..eq], spec[(eq + 1)..]);
    }
}

// The versioned record of one labeled SAE feature (docs/DESIGN.md §4): which SAE and model it belongs to, its
// explanation(s) with how each was made, its scores with method, capability, CI and the examples used, its statistics,
// the tokens it promotes and suppresses, the failures met on the way, and provenance. Labeling runs write it, the index
// stores and searches it, tools and the web UI show it. Plain data; JSON is FeatureRecordJson.cs.
namespace Interp.Index.Records;

public sealed record FeatureRecord
{
    /// <summary>Bumped on any change a reader of the previous version would misread; readers refuse other versions.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required SaeIdentity Sae { get; init; }
    public required ModelIdentity Model { get; init; }
    /// <summary>The feature's index in the SAE dictionary, 0..d_sae-1.</summary>
    public required int Feature { get; init; }
    /// <summary>Empty when no explanation succeeded yet (see <see cref="Failures"/>); several for multi-concept labels.</summary>
    public IReadOnlyList<Explanation> Explanations { get; init; } = [];
    public IReadOnlyList<Score> Scores { get; init; } = [];
    public FeatureStats? Stats { get; init; }
    /// <summary>Tokens the decoder direction promotes / suppresses through the unembedding, largest effect first.</summary>
    public IReadOnlyList<TokenEffect> Promoted { get; init; } = [];
    public IReadOnlyList<TokenEffect> Suppressed { get; init; } = [];
    /// <summary>Stages that failed for this feature (an LLM error, a parse failure, …): a state, never a score.</summary>
    public IReadOnlyList<StageFailure> Failures { get; init; } = [];
    public required Provenance Provenance { get; init; }

    public bool IsLabeled => Explanations.Count > 0;
}

/// <param name="Id">SHA-256 (hex) of the SAE's cfg.json and sae_weights.safetensors: the identity used for point ids</param>
/// <param name="Name">a display name (the SAE folder's name)</param>
/// <param name="HookName">TransformerLens hook the SAE reads, e.g. blocks.2.hook_resid_post</param>
/// <param name="Layer">the hook's layer, or -1 for hooks outside the blocks</param>
public sealed record SaeIdentity(string Id, string Name, string HookName, int Layer, int DIn, int DSae, string Architecture);

/// <param name="Id">fingerprint of config.json and the weights' headers</param>
public sealed record ModelIdentity(string Id, string Name, string Architecture);

/// <param name="Explainer">"offline" (deterministic, from the cache) or "llm"</param>
/// <param name="LlmModel">the endpoint's model name for LLM explanations; null offline</param>
/// <param name="PromptVersion">the prompt template and version, e.g. "explainer-openai@1"; null offline</param>
/// <param name="Cluster">for multi-concept labels: the cluster of top examples this label describes; null otherwise</param>
/// <param name="Examples">the explain-set examples the explanation was made from</param>
public sealed record Explanation(string Text, string Explainer, string? LlmModel, string? PromptVersion, int? Cluster,
    IReadOnlyList<ExampleRef> Examples);

/// <param name="Method">simulation | detection | fuzzing | embedding | simulation_shuffled | …</param>
/// <param name="Capability">what the method ran on, e.g. "completions_echo_logprobs", "chat_top_logprobs",
/// "chat_parsed_numbers", "offline_lexical", "minilm"</param>
/// <param name="Value">the score (correlation, balanced accuracy, AUC, …)</param>
/// <param name="CiLow">95 % bootstrap interval, lower end</param>
/// <param name="ExplanationIndex">which of <see cref="FeatureRecord.Explanations"/> was scored</param>
/// <param name="Metrics">further figures of the same method (f1, auc, precision, recall, n)</param>
public sealed record Score(string Method, string Capability, double Value, double CiLow, double CiHigh, int ExplanationIndex,
    IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<ExampleRef> Examples, string? LlmModel, string? PromptVersion);

/// <param name="ContextId">the context's index in the cache's corpus</param>
/// <param name="Start">position of the window's first token in its context</param>
/// <param name="Set">"explain" or "score" (the two sets are disjoint)</param>
/// <param name="Kind">"top" | "quantile" | "random" | "hard_negative"</param>
public sealed record ExampleRef(long ContextId, int Start, int Length, string Set, string Kind);

/// <param name="Count">tokens where the feature fires</param>
/// <param name="Density">Count / tokens in the cache</param>
/// <param name="Histogram">counts of non-zero activations in equal-width bins over [0, Max]</param>
public sealed record FeatureStats(long Count, long Tokens, double Density, double Max, double Mean, IReadOnlyList<long> Histogram);

/// <param name="Logit">the direction's logit effect on the token (decoder row · W_U column, after ln_final scaling if folded)</param>
public sealed record TokenEffect(int TokenId, string Token, double Logit);

/// <param name="Stage">explain | score:&lt;method&gt; | …</param>
/// <param name="Kind">timeout | http_status | refused | malformed_output | context_overflow | over_budget | cancelled | …</param>
/// <param name="Raw">the raw model output or response body, when there was one</param>
public sealed record StageFailure(string Stage, string Kind, string Reason, string? Raw, DateTimeOffset At);

public sealed record Provenance(string RunId, DateTimeOffset CreatedAt, string InterpVersion);

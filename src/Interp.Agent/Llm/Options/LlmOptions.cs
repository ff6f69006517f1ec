// The `Llm` section of appsettings.json as typed records (snake_case keys, read by StrictJson): endpoints, the
// roles that use them, prices, the store. Validation is in LlmOptionsValidation.cs; docs/llm.md shows an example.
namespace Interp.Agent.Llm.Options;

public sealed record LlmOptions
{
    /// <summary>Named OpenAI-compatible endpoints; roles refer to them by name. One resilience pipeline each.</summary>
    public Dictionary<string, LlmEndpointOptions> Endpoints { get; init; } = new();

    /// <summary>Role key (explainer, simulator, judge, agent, embeddings) → endpoint, model, sampling. Unused roles may be left out.</summary>
    public Dictionary<string, LlmRoleOptions> Roles { get; init; } = new();

    /// <summary>Model id → price per million tokens; cost is unknown (null) for a model not listed.</summary>
    public Dictionary<string, LlmPrice> Prices { get; init; } = new();

    /// <summary>SQLite file holding the response cache, the usage ledger and the capability probes. `~/` is the home folder.</summary>
    public string StorePath { get; init; } = "~/.cache/interp/llm/llm.db";

    /// <summary>How long a capability probe stays valid on disk.</summary>
    public double ProbeTtlHours { get; init; } = 24;
}

public sealed record LlmEndpointOptions
{
    /// <summary>OpenAI-compatible base URL ending in /v1, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1.</summary>
    public string BaseUrl { get; init; } = "";

    /// <summary>The NAME of the environment variable that holds the API key (never the key). Leave out for keyless servers.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Requests in flight at once on this endpoint (all roles together); more wait in a queue.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>Timeout of one attempt (seconds); an attempt past it is cancelled and retried.</summary>
    public double RequestTimeoutS { get; init; } = 120;

    public LlmRetryOptions Retry { get; init; } = new();
    public LlmCircuitBreakerOptions CircuitBreaker { get; init; } = new();

    /// <summary>Also send `max_tokens` next to `max_completion_tokens` (older vLLM and llama.cpp ignore the latter).
    /// Turn off for OpenAI reasoning models, which reject `max_tokens`.</summary>
    public bool SendMaxTokens { get; init; } = true;
}

public sealed record LlmRetryOptions
{
    /// <summary>Attempts in total, the first included (1 = never retry).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Delay before the first retry; doubles per retry up to MaxDelayMs.</summary>
    public double BaseDelayMs { get; init; } = 1000;

    public double MaxDelayMs { get; init; } = 10_000;

    /// <summary>Each delay is stretched by a factor in [1, 1 + jitter) (then capped), so clients spread out.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>A Retry-After longer than this is not waited for: the call fails with the 429/503 and its body.</summary>
    public double MaxRetryAfterS { get; init; } = 60;
}

public sealed record LlmCircuitBreakerOptions
{
    /// <summary>Open the circuit when this fraction of attempts in the window failed (5xx, timeouts, connection errors).</summary>
    public double FailureRatio { get; init; } = 0.5;

    public int MinimumThroughput { get; init; } = 10;
    public double SamplingS { get; init; } = 30;

    /// <summary>While open, calls fail at once (circuit open) without reaching the endpoint — except calls that wait out an
    /// open circuit (LlmCallContext.WaitOutOpenCircuit, e.g. a labeling run's), which wait and then go on.</summary>
    public double BreakS { get; init; } = 15;

    /// <summary>The endpoint counts as down once the circuit has opened this many times in a row with no successful call in
    /// between (every half-open probe failed): from then on even calls that wait out an open circuit fail `circuit_open` at
    /// once, until a probe succeeds.</summary>
    public int DownAfterOpens { get; init; } = 3;
}

public sealed record LlmRoleOptions
{
    /// <summary>A key of `endpoints`.</summary>
    public string Endpoint { get; init; } = "";

    /// <summary>The model id the endpoint serves (what `/v1/models` lists).</summary>
    public string Model { get; init; } = "";

    public LlmSampling Sampling { get; init; } = new();
}

/// <summary>Sampling parameters; each is sent only when set. A request may override them.</summary>
public sealed record LlmSampling
{
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? MaxTokens { get; init; }
    public long? Seed { get; init; }
    public double? PresencePenalty { get; init; }
    public double? FrequencyPenalty { get; init; }
    public List<string>? Stop { get; init; }

    /// <summary>This role's values where set, else <paramref name="fallback"/>'s.</summary>
    public LlmSampling Over(LlmSampling fallback) => new()
    {
        Temperature = Temperature ?? fallback.Temperature,
        TopP = TopP ?? fallback.TopP,
        MaxTokens = MaxTokens ?? fallback.MaxTokens,
        Seed = Seed ?? fallback.Seed,
        PresencePenalty = PresencePenalty ?? fallback.PresencePenalty,
        FrequencyPenalty = FrequencyPenalty ?? fallback.FrequencyPenalty,
        Stop = Stop ?? fallback.Stop,
    };
}

/// <summary>Price per million tokens, in whatever currency the table uses (USD in the examples).</summary>
public sealed record LlmPrice
{
    public double InputPerMillion { get; init; }
    public double OutputPerMillion { get; init; }

    public double Cost(long promptTokens, long completionTokens) =>
        (promptTokens * InputPerMillion + completionTokens * OutputPerMillion) / 1e6;
}

// Why an LLM call failed. A failure is a state that is recorded and retried on a later run; no code turns it
// into a score, a zero or a default label (LlmOutcome.Value throws on a failed outcome).
namespace Interp.Agent.Llm.Outcomes;

public enum LlmFailureKind
{
    /// <summary>Every attempt ran past the per-attempt timeout.</summary>
    Timeout,
    /// <summary>The endpoint answered with a non-2xx status (kept with its body); 429/5xx only after the retries.</summary>
    HttpStatus,
    /// <summary>The connection failed (refused, reset, body cut short) on every attempt, or a stream ended early.</summary>
    Network,
    /// <summary>The endpoint's circuit breaker is open after repeated failures; nothing was sent.</summary>
    CircuitOpen,
    /// <summary>The model declined (a `refusal` field, or finish_reason content_filter).</summary>
    Refused,
    /// <summary>The endpoint's answer is not the OpenAI wire format (invalid JSON, missing choices).</summary>
    MalformedResponse,
    /// <summary>The model's text does not have the shape the caller's parser demands (raw text kept).</summary>
    MalformedOutput,
    /// <summary>The prompt does not fit the model's context.</summary>
    ContextOverflow,
    /// <summary>The run's budget would be exceeded; nothing was sent. A later run with a larger budget continues.</summary>
    OverBudget,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>A failed call: kind, a one-line reason, and for HTTP failures the status and response body.</summary>
public sealed record LlmFailure(LlmFailureKind Kind, string Message, int? Status = null, string? Body = null)
{
    /// <summary>snake_case name for stores and reports: timeout, http_status, over_budget, ...</summary>
    public string KindKey => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(Kind.ToString());

    public override string ToString() => Status is { } s ? $"{KindKey} (HTTP {s}): {Message}" : $"{KindKey}: {Message}";
}

/// <summary>Thrown where an API has no outcome type to return (IEmbeddingGenerator, LlmOutcome.Value on a failure).</summary>
public sealed class LlmCallFailedException(LlmFailure failure)
    : Exception($"LLM call failed: {failure}")
{
    public LlmFailure Failure { get; } = failure;
}

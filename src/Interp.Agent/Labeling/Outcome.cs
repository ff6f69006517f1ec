// What a labeling step gives back: a value, or a failure with its kind, reason and the raw model output — never a
// number standing in for a failure. Carries the step's usage (LLM calls, tokens, cost; zero offline) either way, since a
// failed call may still have been paid for. FailureKinds says which failures a re-run retries.
namespace Interp.Agent.Labeling;

/// <param name="Kind">a FailureKinds value</param>
/// <param name="Raw">the raw model output or response body, when there was one</param>
public sealed record StageError(string Kind, string Reason, string? Raw = null)
{
    public bool Retryable => FailureKinds.IsRetryable(Kind);
}

/// <summary>LLM calls made by a step and what they cost (all zero for offline steps).</summary>
public sealed record StageUsage(int Calls = 0, long PromptTokens = 0, long CompletionTokens = 0, double CostUsd = 0)
{
    public static readonly StageUsage None = new();

    public StageUsage Add(StageUsage o) =>
        new(Calls + o.Calls, PromptTokens + o.PromptTokens, CompletionTokens + o.CompletionTokens, CostUsd + o.CostUsd);
}

public sealed class Outcome<T>
{
    private readonly T? _value;

    public StageError? Error { get; }
    public StageUsage Usage { get; }
    public bool Succeeded => Error is null;

    /// <summary>The value; InvalidOperationException on a failed outcome (check <see cref="Succeeded"/> first).</summary>
    public T Value => Error is null ? _value! : throw new InvalidOperationException($"no value: the step failed ({Error.Kind}: {Error.Reason}).");

    private Outcome(T? value, StageError? error, StageUsage usage) => (_value, Error, Usage) = (value, error, usage);

    public static Outcome<T> Ok(T value, StageUsage? usage = null) => new(value, null, usage ?? StageUsage.None);

    public static Outcome<T> Fail(string kind, string reason, string? raw = null, StageUsage? usage = null) =>
        new(default, new StageError(kind, reason, raw), usage ?? StageUsage.None);

    public static Outcome<T> Fail(StageError error, StageUsage? usage = null) => new(default, error, usage ?? StageUsage.None);
}

/// <summary>Failure kinds. Transient ones (a call that may succeed next time) are retried by a re-run of the same
/// command; the others are facts about the data (a dead feature, an undefined correlation) that a re-run would only
/// reproduce, so they are kept.</summary>
public static class FailureKinds
{
    // transient: retried on resume
    public const string Timeout = "timeout", HttpStatus = "http_status", Refused = "refused", MalformedOutput = "malformed_output",
        OverBudget = "over_budget", Cancelled = "cancelled", Internal = "internal",
        Network = "network", CircuitOpen = "circuit_open", MalformedResponse = "malformed_response";
    // permanent for the same inputs
    public const string ContextOverflow = "context_overflow", NoActivations = "no_activations", UndefinedScore = "undefined_score",
        NoNegatives = "no_negatives", NoPartner = "no_partner", Unavailable = "unavailable";

    private static readonly HashSet<string> Transient =
        [Timeout, HttpStatus, Refused, MalformedOutput, OverBudget, Cancelled, Internal, Network, CircuitOpen, MalformedResponse];

    public static bool IsRetryable(string kind) => Transient.Contains(kind);
}

// The result of an LLM call: succeeded (value, usage, raw response) or failed (an LlmFailure, raw kept).
// There is no default value: reading Value of a failed outcome throws, and Parse turns a parse error into a
// MalformedOutput failure that keeps the raw text.
namespace Interp.Agent.Llm.Outcomes;

public sealed class LlmOutcome<T>
{
    private readonly T? _value;
    private readonly object? _raw;   // string, or a ResponseBody decoded only when Raw is read

    private LlmOutcome(T? value, LlmFailure? failure, LlmUsage usage, object? raw, LlmCallInfo info)
    {
        _value = value; Failure = failure; Usage = usage; _raw = raw; Info = info;
    }

    public static LlmOutcome<T> Success(T value, LlmUsage usage, string? raw, LlmCallInfo info) => new(value, null, usage, raw, info);
    public static LlmOutcome<T> Failed(LlmFailure failure, LlmUsage usage, string? raw, LlmCallInfo info) => new(default, failure, usage, raw, info);

    /// <summary>As <see cref="Success"/>, with the raw body kept as bytes until Raw is read.</summary>
    internal static LlmOutcome<T> SuccessBody(T value, LlmUsage usage, ResponseBody? raw, LlmCallInfo info) => new(value, null, usage, raw, info);
    internal static LlmOutcome<T> FailedBody(LlmFailure failure, LlmUsage usage, ResponseBody? raw, LlmCallInfo info) => new(default, failure, usage, raw, info);

    public bool Succeeded => Failure is null;
    public LlmFailure? Failure { get; }

    /// <summary>Tokens and cost this call consumed (zero for a cache hit; the ledger keeps the original figures).</summary>
    public LlmUsage Usage { get; }

    /// <summary>The raw response body (success) or the raw text/body that failed (failure), when there was one.</summary>
    public string? Raw => _raw as string ?? (_raw as ResponseBody)?.Text;

    public LlmCallInfo Info { get; }

    /// <summary>The value of a succeeded call; throws LlmCallFailedException for a failed one (never a default).</summary>
    public T Value => Succeeded ? _value! : throw new LlmCallFailedException(Failure!);

    public bool TryGetValue(out T value)
    {
        value = _value!;
        return Succeeded;
    }

    /// <summary>Applies a strict parser; a parse error becomes a MalformedOutput failure with <paramref name="text"/> kept as Raw.</summary>
    public LlmOutcome<TOut> Parse<TOut>(Func<T, string> text, Func<string, Parsing.ParseResult<TOut>> parser)
    {
        if (!Succeeded) return new LlmOutcome<TOut>(default, Failure, Usage, _raw, Info);
        string t = text(_value!);
        var p = parser(t);
        return p.Ok
            ? new LlmOutcome<TOut>(p.Value, null, Usage, _raw, Info)
            : LlmOutcome<TOut>.Failed(new LlmFailure(LlmFailureKind.MalformedOutput, p.Error!), Usage, t, Info);
    }

    /// <summary>Maps a succeeded value (the mapping must not fail; use Parse for anything that can).</summary>
    public LlmOutcome<TOut> Map<TOut>(Func<T, TOut> map) =>
        Succeeded ? new LlmOutcome<TOut>(map(_value!), null, Usage, _raw, Info) : new LlmOutcome<TOut>(default, Failure, Usage, _raw, Info);

    public override string ToString() => Succeeded ? $"succeeded ({Info})" : $"failed: {Failure} ({Info})";
}

/// <summary>How a call went: role, model, endpoint, whether it came from the cache, attempts, retry delays, time.</summary>
public sealed record LlmCallInfo(
    LlmRole Role, string Endpoint, string Model, bool FromCache, int Attempts,
    IReadOnlyList<TimeSpan> RetryDelays, TimeSpan Elapsed, string? CacheKey)
{
    public override string ToString() =>
        $"{Role.Key()} {Model}@{Endpoint}, {(FromCache ? "cache hit" : $"{Attempts} attempt(s)")}, {Elapsed.TotalMilliseconds:F0} ms";
}

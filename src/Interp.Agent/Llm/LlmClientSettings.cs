// What a host may change about an LlmClient besides its options: logging, clock, jitter source, where API keys come
// from, and the store. Tests use these to make retry schedules exact; production code leaves them at their defaults.
using Interp.Agent.Llm.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interp.Agent.Llm;

public sealed record LlmClientSettings
{
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock Polly uses for delays, timeouts and the circuit breaker.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Source of u ∈ [0, 1) for retry jitter.</summary>
    public Func<double> JitterSource { get; init; } = Random.Shared.NextDouble;

    /// <summary>Reads an environment variable (API keys); tests substitute a dictionary.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>An already open store to use instead of opening Llm.store_path (the client then does not dispose it).</summary>
    public LlmStore? Store { get; init; }
}

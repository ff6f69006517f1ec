// What an (endpoint, model) pair can do, as found by CapabilityProbe: chat, tool calls, chat logprobs (and how many
// alternatives), legacy completions with echo + logprobs, JSON mode, context length. Later code picks its method
// (e.g. the simulator backend) from this and records which it used.
namespace Interp.Agent.Llm.Probe;

public sealed record Capability(bool Supported, string Detail);

public sealed record LlmCapabilities
{
    public required string BaseUrl { get; init; }
    public required string Model { get; init; }
    public required DateTimeOffset ProbedAt { get; init; }
    public required Capability Chat { get; init; }
    public required Capability ToolCalls { get; init; }
    public required Capability Logprobs { get; init; }
    /// <summary>Most top_logprobs alternatives per position the server returned (null when logprobs are not supported).</summary>
    public int? MaxTopLogprobs { get; init; }
    public required Capability CompletionsEcho { get; init; }
    public required Capability JsonMode { get; init; }
    /// <summary>Context length in tokens when the server states it (/v1/models), else null.</summary>
    public int? ContextLength { get; init; }
    public string? ContextLengthSource { get; init; }

    /// <summary>True when this came from the on-disk cache rather than a fresh probe (not stored).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool FromCache { get; init; }
}

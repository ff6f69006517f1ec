// What callers ask for and get back, independent of SK and the OpenAI SDK: chat, legacy completions, embeddings.
// Results are built from the raw OpenAI JSON (OpenAiWire), so a cached and a live answer read the same.
using Interp.Agent.Llm.Options;

namespace Interp.Agent.Llm.Wire;

public sealed record LlmMessage(string Role, string Content)
{
    public static LlmMessage System(string content) => new("system", content);
    public static LlmMessage User(string content) => new("user", content);
    public static LlmMessage Assistant(string content) => new("assistant", content);
}

/// <summary>A chat call. Sampling overrides the role's configured values where set.</summary>
public sealed record LlmChatRequest(IReadOnlyList<LlmMessage> Messages)
{
    public LlmSampling? Sampling { get; init; }

    /// <summary>Ask for per-token logprobs, with this many alternatives per position (0-20) when TopLogprobs is set.</summary>
    public bool Logprobs { get; init; }
    public int? TopLogprobs { get; init; }

    /// <summary>response_format = json_object.</summary>
    public bool JsonMode { get; init; }

    /// <summary>Version of the prompt template the messages were rendered from; part of the cache key.</summary>
    public string? PromptVersion { get; init; }
}

/// <summary>A legacy `/v1/completions` call (the echo + logprobs simulator of vLLM/SGLang).</summary>
public sealed record LlmCompletionRequest(string Prompt)
{
    public int MaxTokens { get; init; } = 1;
    public bool Echo { get; init; }
    /// <summary>Alternatives per position (legacy `logprobs: N`); null = none.</summary>
    public int? Logprobs { get; init; }
    public LlmSampling? Sampling { get; init; }
    public string? PromptVersion { get; init; }
}

public sealed record TopLogprob(string Token, double Logprob);

public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<TopLogprob> Top);

public sealed record LlmToolCall(string Id, string Name, string Arguments);

public sealed record LlmChatResult(
    string? Content, string? Refusal, string? FinishReason,
    IReadOnlyList<TokenLogprob>? Logprobs, IReadOnlyList<LlmToolCall> ToolCalls, string? Model);

/// <summary>Legacy completions: the text and, with logprobs, one entry per token (prompt tokens too with echo; first logprob null).</summary>
public sealed record LlmCompletionResult(
    string Text, string? FinishReason, IReadOnlyList<string> Tokens, IReadOnlyList<double?> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, double>?> TopLogprobs, IReadOnlyList<int> TextOffsets);

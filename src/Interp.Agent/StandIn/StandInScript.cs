// The stand-in OpenAI-compatible server's script: models, what it supports, a fixed latency, and rules (first match
// wins) that say how to answer or which fault to inject. A JSON file read by StrictJson (snake_case, unknown keys
// rejected); docs/llm.md documents the format. It is a test and dry-run device, not a model.
using System.Text.Json.Nodes;
using Interp.Agent.Llm.Options;

namespace Interp.Agent.StandIn;

public enum StandInSupport { Yes, Reject, Ignore }

public enum StandInFaultKind { Status, ContextOverflow, Quota, Reset, MalformedJson, TruncatedStream, Delay }

public sealed record StandInScript
{
    public List<StandInModel> Models { get; init; } = [new StandInModel { Id = "stand-in" }];
    public StandInCapabilities Capabilities { get; init; } = new();

    /// <summary>Added to every request before it is answered (benchmarks use a fixed latency).</summary>
    public double LatencyMs { get; init; }

    public int EmbeddingDimensions { get; init; } = 64;
    public List<StandInRule> Rules { get; init; } = [];

    public static StandInScript Load(string path)
    {
        if (!File.Exists(path)) throw new LlmConfigException($"stand-in script '{path}' not found; pass an existing --script file (see docs/llm.md)");
        return Parse(File.ReadAllText(path), path);
    }

    public static StandInScript Parse(string json, string source = "stand-in script")
    {
        var s = StrictJson.Deserialize<StandInScript>(json, source);
        for (int i = 0; i < s.Rules.Count; i++) s.Rules[i].Validate($"{source}: rules[{i}]");
        if (s.Models.Count == 0) throw new LlmConfigException($"{source}: models is empty; list at least one model id");
        if (s.EmbeddingDimensions < 1) throw new LlmConfigException($"{source}: embedding_dimensions must be >= 1");
        return s;
    }
}

public sealed record StandInModel
{
    public string Id { get; init; } = "stand-in";
    /// <summary>Reported in /v1/models as max_model_len (as vLLM does) when set.</summary>
    public int? ContextLength { get; init; }
}

/// <summary>Per feature: yes (supported), reject (HTTP 400, as a server without it), ignore (silently dropped, as Ollama's /v1 did with logprobs).</summary>
public sealed record StandInCapabilities
{
    public StandInSupport Logprobs { get; init; } = StandInSupport.Yes;
    public int MaxTopLogprobs { get; init; } = 20;
    public StandInSupport Tools { get; init; } = StandInSupport.Yes;
    public StandInSupport Echo { get; init; } = StandInSupport.Yes;
    public StandInSupport JsonMode { get; init; } = StandInSupport.Yes;
}

public sealed record StandInRule
{
    public string? Name { get; init; }
    public StandInMatch When { get; init; } = new();

    /// <summary>Applies to the first N matching requests only, then lets later rules answer (e.g. "fail twice, then succeed").</summary>
    public int? Times { get; init; }

    /// <summary>Applies to this fraction (0..1) of the requests it matches, chosen by a hash of the request body: the same
    /// request always falls on the same side, so "fail 30 % of calls" fails the same calls on every run of a script.</summary>
    public double? Fraction { get; init; }

    public StandInReply? Reply { get; init; }
    public StandInFault? Fault { get; init; }

    internal int Used;

    internal void Validate(string at)
    {
        if (Reply is null && Fault is null) throw new LlmConfigException($"{at}: a rule needs a reply, a fault, or both; add one");
        if (Fraction is { } fr && !(fr >= 0 && fr <= 1)) throw new LlmConfigException($"{at}.fraction: expected a number in [0, 1]; fix the value");
        foreach (var rw in Reply?.Rewrite ?? [])
            try { _ = new System.Text.RegularExpressions.Regex(rw.Pattern); }
            catch (ArgumentException e) { throw new LlmConfigException($"{at}.reply.rewrite: '{rw.Pattern}' is not a valid regular expression ({e.Message})"); }
        if (Times is < 1) throw new LlmConfigException($"{at}.times: expected an integer >= 1; fix the value");
        if (When.Path is { } p && p is not ("chat" or "completions" or "embeddings" or "models"))
            throw new LlmConfigException($"{at}.when.path: expected chat, completions, embeddings or models, found '{p}'");
        if (Fault is { Kind: StandInFaultKind.Status, Status: null }) throw new LlmConfigException($"{at}.fault.status: a status fault needs a status code");
        if (Fault is { Body: not null, BodyBase64: not null }) throw new LlmConfigException($"{at}.fault: give body or body_base64, not both");
        if (Fault?.BodyBase64 is { } b64 && !Convert.TryFromBase64String(b64, new byte[b64.Length], out _))
            throw new LlmConfigException($"{at}.fault.body_base64: not base64; encode the body's bytes");
        foreach (var re in new[] { When.LastUser, When.AnyMessage, When.Prompt })
            if (re is not null)
                try { _ = new System.Text.RegularExpressions.Regex(re); }
                catch (ArgumentException e) { throw new LlmConfigException($"{at}.when: '{re}' is not a valid regular expression ({e.Message})"); }
    }
}

/// <summary>All given conditions must hold. Regexes are .NET syntax, unanchored.</summary>
public sealed record StandInMatch
{
    /// <summary>chat, completions, embeddings or models.</summary>
    public string? Path { get; init; }
    public string? Model { get; init; }
    /// <summary>Regex on the last user message.</summary>
    public string? LastUser { get; init; }
    /// <summary>Regex on any message's content.</summary>
    public string? AnyMessage { get; init; }
    /// <summary>Role of the last message: e.g. "tool" for the turn after a tool result.</summary>
    public string? LastRole { get; init; }
    public bool? HasTools { get; init; }
    public bool? Stream { get; init; }
    public bool? Logprobs { get; init; }
    /// <summary>Regex on a legacy completions prompt.</summary>
    public string? Prompt { get; init; }
}

public sealed record StandInReply
{
    public string? Content { get; init; }
    /// <summary>Legacy completions text (default: content).</summary>
    public string? Text { get; init; }
    public List<StandInToolCall>? ToolCalls { get; init; }
    public string? Refusal { get; init; }
    public string? FinishReason { get; init; }
    /// <summary>Alternatives offered at every generated (and echoed) position: token → logprob.</summary>
    public Dictionary<string, double>? TopLogprobs { get; init; }
    public StandInUsage? Usage { get; init; }

    /// <summary>When set, the answer is the request's last user message (legacy completions: the prompt) with these regex
    /// replacements applied in order, instead of content/text: a scripted echo that can, e.g., turn every "\tunknown" of
    /// a simulator prompt into a number by which token precedes it.</summary>
    public List<StandInRewrite>? Rewrite { get; init; }
}

/// <param name="Pattern">.NET regex (multiline mode: ^ and $ match at line breaks)</param>
/// <param name="Replacement">.NET replacement string ($1 for groups)</param>
public sealed record StandInRewrite(string Pattern, string Replacement);

public sealed record StandInToolCall
{
    /// <summary>The function name; the stand-in answers with the name as the client sent it (`plugin-name` from SK, `plugin_name` from MEAI).</summary>
    public string Name { get; init; } = "";
    public JsonObject? Arguments { get; init; }
    /// <summary>Arguments sent verbatim (for malformed-argument tests); overrides arguments.</summary>
    public string? ArgumentsRaw { get; init; }
}

public sealed record StandInUsage
{
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
}

public sealed record StandInFault
{
    public StandInFaultKind Kind { get; init; }
    public int? Status { get; init; }
    /// <summary>Retry-After header in whole seconds.</summary>
    public int? RetryAfterS { get; init; }
    /// <summary>retry-after-ms header (OpenAI's).</summary>
    public double? RetryAfterMs { get; init; }
    public string? Body { get; init; }
    /// <summary>For kinds status and malformed_json: the body as exact bytes (base64), for what JSON text cannot carry —
    /// bytes that are not UTF-8, another charset. Instead of <see cref="Body"/>.</summary>
    public string? BodyBase64 { get; init; }
    /// <summary>For kinds status and malformed_json: the Content-Type header (default application/json).</summary>
    public string? ContentType { get; init; }
    /// <summary>For kind delay: wait this long, then answer with the rule's reply. For truncated_stream: stall this long mid-stream first.</summary>
    public double? DelayMs { get; init; }
}

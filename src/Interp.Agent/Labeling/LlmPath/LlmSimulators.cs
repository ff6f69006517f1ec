// The LLM simulators (OpenAI's simulation scoring) behind ISimulator, one per capability, chosen by the capability
// probe of the simulator role: legacy completions with echo + logprobs (vLLM, SGLang) read the expected value over
// "0".."10" at every "unknown" of the prompt; chat with top_logprobs reads the expected value at each number the model
// writes; without logprobs, the numbers the model writes are parsed. All send the `simulator` prompt.
using System.Text.RegularExpressions;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Probe;
using Interp.Agent.Llm.Wire;
using Interp.Agent.Prompts;
using Interp.Agent.Scoring;

namespace Interp.Agent.Labeling.LlmPath;

public static class SimulatorCapabilities
{
    public const string CompletionsEcho = "completions_echo_logprobs", ChatTopLogprobs = "chat_top_logprobs", ChatParsed = "chat_parsed_numbers";
    public static readonly IReadOnlyList<string> All = [CompletionsEcho, ChatTopLogprobs, ChatParsed];

    /// <summary>The best method the probe found: echo + logprobs, else chat top_logprobs (≥ 5 alternatives), else parsed numbers.</summary>
    public static string Choose(LlmCapabilities caps) =>
        caps.CompletionsEcho.Supported ? CompletionsEcho
        : caps.Logprobs.Supported && (caps.MaxTopLogprobs ?? 0) >= 5 ? ChatTopLogprobs
        : ChatParsed;

    public static ISimulator Create(string capability, LlmCalls llm, int topLogprobs) => capability switch
    {
        CompletionsEcho => new EchoLogprobSimulator(llm, topLogprobs),
        ChatTopLogprobs => new ChatSimulator(llm, topLogprobs),
        ChatParsed => new ChatSimulator(llm, null),
        _ => throw new ArgumentException($"unknown simulator method '{capability}' (known: {string.Join(", ", All)})."),
    };
}

/// <summary>The feature a scorer works on, for the ledger: the simulator and judge seams carry no feature, so FeatureScopedScorer sets it.</summary>
public static class CurrentFeature
{
    public static readonly AsyncLocal<int> Current = new();
}

public sealed class ChatSimulator(LlmCalls llm, int? topLogprobs) : ISimulator
{
    public string Capability => topLogprobs is null ? SimulatorCapabilities.ChatParsed : SimulatorCapabilities.ChatTopLogprobs;
    public string? LlmModel => llm.Client.ModelOf(LlmRole.Simulator);
    public string? PromptVersion => PromptLibrary.Get(PromptLibrary.Simulator).Id;

    public async Task<Outcome<IReadOnlyList<double[]>>> SimulateAsync(string explanation, IReadOnlyList<IReadOnlyList<string>> sequences, CancellationToken ct = default)
    {
        var prompt = LabelingPrompts.Simulator(explanation, sequences);
        // the answer rewrites every token line: room for it whatever the role's max_tokens (set low for one-token roles)
        var req = LlmCalls.Chat(prompt) with { Sampling = new LlmSampling { MaxTokens = 8 * sequences.Sum(x => x.Count) + 64 } };
        if (topLogprobs is int n) req = req with { Logprobs = true, TopLogprobs = n };
        var lengths = sequences.Select(s => s.Count).ToList();
        var o = await llm.Client.ChatAsync(LlmRole.Simulator, req, llm.For(CurrentFeature.Current.Value), ct);
        var usage = LlmCalls.Usage(o);
        if (!o.Succeeded) return Outcome<IReadOnlyList<double[]>>.Fail(LlmCalls.Error(o, "simulator"), usage);
        string content = o.Value.Content ?? "";
        var parsed = SimulationAnswers.Parse(content, lengths);
        if (!parsed.Ok) return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.MalformedOutput, $"simulator answer: {parsed.Error}", content, usage);
        if (topLogprobs is null) return Outcome<IReadOnlyList<double[]>>.Ok(parsed.Value.Values, usage);

        // expected value at each written number, from the alternatives at the token that carries it
        var lp = o.Value.Logprobs;
        if (lp is null || lp.Count == 0)
            return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.MalformedOutput, "simulator answer came without logprobs although they were asked for", content, usage);
        var starts = new int[lp.Count];
        int pos = 0;
        for (int i = 0; i < lp.Count; i++) { starts[i] = pos; pos += lp[i].Token.Length; }
        if (string.Concat(lp.Select(t => t.Token)) != content)
            return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.MalformedOutput, "the logprob tokens do not spell the answer's text", content, usage);
        var result = new List<double[]>();
        for (int s = 0; s < lengths.Count; s++)
        {
            var ev = new double[lengths[s]];
            for (int t = 0; t < ev.Length; t++)
            {
                int k = SimulationAnswers.TokenAt(starts, pos, parsed.Value.Offsets[s][t]);
                var e = k < 0 ? ParseResult<double>.Fail("no token at the number") : LogprobReaders.ExpectedValue(lp[k].Top);
                if (!e.Ok)
                    return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.MalformedOutput, $"sequence {s + 1} token {t + 1}: {e.Error}", content, usage);
                ev[t] = e.Value;
            }
            result.Add(ev);
        }
        return Outcome<IReadOnlyList<double[]>>.Ok(result, usage);
    }
}

public sealed partial class EchoLogprobSimulator(LlmCalls llm, int topLogprobs) : ISimulator
{
    public string Capability => SimulatorCapabilities.CompletionsEcho;
    public string? LlmModel => llm.Client.ModelOf(LlmRole.Simulator);
    public string? PromptVersion => PromptLibrary.Get(PromptLibrary.Simulator).Id;

    public async Task<Outcome<IReadOnlyList<double[]>>> SimulateAsync(string explanation, IReadOnlyList<IReadOnlyList<string>> sequences, CancellationToken ct = default)
    {
        var prompt = LabelingPrompts.Simulator(explanation, sequences);
        string text = LlmCalls.Flat(prompt);
        var req = new LlmCompletionRequest(text) { Echo = true, Logprobs = topLogprobs, MaxTokens = 1, PromptVersion = prompt.CacheKey };
        var o = await llm.Client.CompleteAsync(LlmRole.Simulator, req, llm.For(CurrentFeature.Current.Value), ct);
        var usage = LlmCalls.Usage(o);
        if (!o.Succeeded) return Outcome<IReadOnlyList<double[]>>.Fail(LlmCalls.Error(o, "simulator (completions echo)"), usage);
        return Read(text, sequences.Select(s => s.Count).ToList(), o.Value, usage);
    }

    /// <summary>The expected value at each "unknown" placeholder of <paramref name="prompt"/>, read from the echoed tokens'
    /// alternatives (the token covering the placeholder's first character).</summary>
    internal static Outcome<IReadOnlyList<double[]>> Read(string prompt, IReadOnlyList<int> lengths, LlmCompletionResult r, StageUsage usage)
    {
        var places = Placeholder().Matches(prompt).Select(m => m.Index + 1).ToList();
        int total = lengths.Sum();
        if (places.Count != total)
            return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.Internal, $"the prompt has {places.Count} placeholders for {total} tokens", usage: usage);
        if (r.TextOffsets.Count == 0 || r.TopLogprobs.Count != r.TextOffsets.Count)
            return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.MalformedOutput, "the completion came without echoed logprobs", r.Text, usage);
        var result = new List<double[]>();
        int p = 0;
        foreach (int n in lengths)
        {
            var ev = new double[n];
            for (int t = 0; t < n; t++, p++)
            {
                int k = SimulationAnswers.TokenAt(r.TextOffsets, prompt.Length, places[p]);
                var top = k < 0 ? null : r.TopLogprobs[k];
                var e = top is null ? ParseResult<double>.Fail("no alternatives at the placeholder") : LogprobReaders.ExpectedValue(top);
                if (!e.Ok) return Outcome<IReadOnlyList<double[]>>.Fail(FailureKinds.MalformedOutput, $"placeholder {p + 1}: {e.Error}", null, usage);
                ev[t] = e.Value;
            }
            result.Add(ev);
        }
        return Outcome<IReadOnlyList<double[]>>.Ok(result, usage);
    }

    [GeneratedRegex(@"\tunknown(?=\n|$)")]
    private static partial Regex Placeholder();
}

// The chat investigator: a conversation between a person and an agent (SK chat completion on the `agent` role with
// automatic function calling) whose tools are the interpretability primitives. Streams the answer, reports every tool
// call as it happens, enforces the per-conversation limits (tool calls per turn, total tokens), keeps a resumable JSONL
// transcript, and offers direct tool calls (/call) that work with no LLM at all. The terminal face is `interp chat`.
using System.Text.Json;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using ChatMessageContent = Microsoft.SemanticKernel.ChatMessageContent;

namespace Interp.Agent.Tools.Chat;

/// <param name="SystemPrompt">the system prompt's text (prompts/chat/investigator.md)</param>
/// <param name="PromptVersion">recorded in the transcript header, e.g. investigator@1</param>
/// <param name="TranscriptDir">where transcripts are written</param>
/// <param name="Resume">a transcript id (or .jsonl path) to continue</param>
public sealed record InvestigatorOptions(string SystemPrompt, string PromptVersion, string TranscriptDir, string? Resume = null);

public sealed class Investigator
{
    private readonly ModelSession _session;
    private readonly LlmClient? _llm;
    private readonly InvestigatorOptions _options;
    private readonly Kernel _kernel;
    private readonly TurnFilter _filter;
    private ChatHistory _history;

    public Transcript Transcript { get; private set; }
    /// <summary>An LLM is configured for the agent role: questions can be asked (else only /call works).</summary>
    public bool HasLlm => _llm is not null;
    public ChatHistory History => _history;
    public IReadOnlyList<KernelFunction> Tools => InterpTools.Functions(_kernel);
    public string ConversationId => Transcript.Id;

    public Investigator(ModelSession session, LlmClient? llm, InvestigatorOptions options)
    {
        _session = session;
        _llm = llm is not null && llm.IsConfigured(LlmRole.Agent) ? llm : null;
        _options = options;
        _kernel = (_llm?.CreateKernel(LlmRole.Agent) ?? new Kernel()).AddInterpTools(session, ToolErrorMode.Result);
        _filter = new TurnFilter(session.Limits.MaxToolCallsPerTurn);
        _kernel.AutoFunctionInvocationFilters.Add(_filter);
        if (options.Resume is { } id)
        {
            var (t, messages) = Transcript.Open(options.TranscriptDir, id);
            Transcript = t;
            _history = new ChatHistory(options.SystemPrompt);
            foreach (var m in messages.Where(m => m.Role != AuthorRole.System)) _history.Add(m);
        }
        else
        {
            Transcript = Transcript.Create(options.TranscriptDir, Transcript.NewId(), session.ModelName, session.Saes.Select(s => s.Name).ToList(), options.PromptVersion);
            _history = new ChatHistory(options.SystemPrompt);
        }
    }

    /// <summary>Tokens the conversation has used so far (every agent-role call accounted to it).</summary>
    public long TokensUsed => _llm?.Ledger.Summarize(ConversationId).Billed.TotalTokens ?? 0;

    /// <summary>One question: the agent answers, calling tools as it decides; <paramref name="onEvent"/> hears streamed
    /// text and each tool call and result as they happen.</summary>
    public async Task<ChatTurn> AskAsync(string question, Action<ChatEvent>? onEvent = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("the question is empty.");
        if (_llm is null) return Fail("no LLM is configured for the agent role (Llm:roles:agent in appsettings.json); /call TOOL arg=value still works", onEvent);
        long used = TokensUsed;
        if (used >= _session.Limits.MaxConversationTokens)
            return Fail($"this conversation has used {used} tokens, its limit is {_session.Limits.MaxConversationTokens}; /reset starts a new one", onEvent, ChatEventKind.Limit);
        int start = _history.Count;
        _history.AddUserMessage(question);
        _filter.Begin(onEvent);
        var text = new System.Text.StringBuilder();
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        string? failure = null;
        try
        {
            using var scope = _llm.BeginScope(new LlmCallContext(ConversationId) { FeatureKey = "chat" });
            var chat = _kernel.GetRequiredService<IChatCompletionService>();
            await foreach (var piece in chat.GetStreamingChatMessageContentsAsync(_history, settings, _kernel, ct).ConfigureAwait(false))
                if (!string.IsNullOrEmpty(piece.Content))
                {
                    text.Append(piece.Content);
                    onEvent?.Invoke(new ChatEvent(ChatEventKind.Text, piece.Content));
                }
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or KernelException or System.ClientModel.ClientResultException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            failure = $"the agent's LLM call failed ({e.GetType().Name}: {e.Message.Split('\n')[0]}); nothing was answered. Is the endpoint up (`interp llm standin` for a dry run)? /call works without it";
            onEvent?.Invoke(new ChatEvent(ChatEventKind.Failure, failure));
        }
        if (_filter.LimitHit && failure is null) failure = $"the tool-call limit of {_session.Limits.MaxToolCallsPerTurn} per question was reached; ask a narrower question";
        if (text.Length > 0) _history.AddAssistantMessage(text.ToString());
        Transcript.Append(_history.Skip(start));
        return new ChatTurn(text.ToString(), _filter.Calls.ToList(), failure, TokensUsed);
    }

    private ChatTurn Fail(string why, Action<ChatEvent>? onEvent, ChatEventKind kind = ChatEventKind.Failure)
    {
        onEvent?.Invoke(new ChatEvent(kind, why));
        return new ChatTurn("", [], why, TokensUsed);
    }

    /// <summary>A direct tool call (/call): runs without an LLM; recorded in the history as a tool call and its result, so
    /// the agent sees it on the next question.</summary>
    public async Task<ToolCallRecord> CallAsync(string tool, IReadOnlyDictionary<string, string?> arguments, CancellationToken ct = default)
    {
        var fn = Tools.FirstOrDefault(f => f.Name == tool)
            ?? throw new ToolArgumentException("tool", $"no tool named '{tool}'",
                $"nearest: {string.Join(", ", Interp.Errors.NameSuggestions.Nearest(Tools.Select(f => f.Name), tool))}; /tools lists them all");
        var known = fn.Metadata.Parameters.Select(p => p.Name).ToHashSet();
        foreach (var k in arguments.Keys)
            if (!known.Contains(k))
                throw new ToolArgumentException(k, $"{tool} has no argument '{k}'", $"its arguments: {string.Join(", ", fn.Metadata.Parameters.Select(p => p.Name))}");
        var args = new KernelArguments();
        foreach (var (k, v) in arguments) args[k] = v;
        var result = (await _kernel.InvokeAsync(fn, args, ct).ConfigureAwait(false)).GetValue<object>()?.ToString() ?? "";
        var record = new ToolCallRecord(tool, arguments, result, result.StartsWith("error: ", StringComparison.Ordinal));
        string callId = "call_direct_" + Guid.NewGuid().ToString("N")[..8];
        string plugin = _kernel.Plugins.First(p => p.Contains(tool)).Name;
        var call = new ChatMessageContent(AuthorRole.Assistant, [new FunctionCallContent(tool, plugin, callId, new KernelArguments(arguments.ToDictionary(kv => kv.Key, kv => (object?)kv.Value)))]);
        var res = new ChatMessageContent(AuthorRole.Tool, [new FunctionResultContent(tool, plugin, callId, result)]);
        _history.Add(call);
        _history.Add(res);
        Transcript.Append([call, res]);
        return record;
    }

    /// <summary>Starts a new conversation (new transcript) with the same session and settings.</summary>
    public void Reset()
    {
        Transcript = Transcript.Create(_options.TranscriptDir, Transcript.NewId(), _session.ModelName, _session.Saes.Select(s => s.Name).ToList(), _options.PromptVersion);
        _history = new ChatHistory(_options.SystemPrompt);
    }

    /// <summary>A one-line view of a tool result for display: errors whole, records as their first fields.</summary>
    public static string OneLine(string result, int max = 160)
    {
        var s = result.ReplaceLineEndings(" ");
        return s.Length <= max ? s : s[..(max - 1)] + "…";
    }

    /// <summary>Sees every automatic tool call of a turn: reports it, records it, and stops the turn at the limit.</summary>
    private sealed class TurnFilter(int maxCalls) : IAutoFunctionInvocationFilter
    {
        private Action<ChatEvent>? _onEvent;
        public List<ToolCallRecord> Calls { get; } = [];
        public bool LimitHit { get; private set; }

        public void Begin(Action<ChatEvent>? onEvent) { _onEvent = onEvent; Calls.Clear(); LimitHit = false; }

        public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
        {
            var args = (context.Arguments ?? new KernelArguments()).ToDictionary(kv => kv.Key, kv => kv.Value?.ToString());
            string name = context.Function.Name;
            _onEvent?.Invoke(new ChatEvent(ChatEventKind.ToolCall, JsonSerializer.Serialize(args), name));
            if (Calls.Count >= maxCalls)
            {
                LimitHit = true;
                context.Result = new FunctionResult(context.Function, $"error: the limit of {maxCalls} tool calls per question is reached; answer with what you have.");
                context.Terminate = true;
                _onEvent?.Invoke(new ChatEvent(ChatEventKind.Limit, $"tool-call limit {maxCalls} reached: {name} not run", name));
                return;
            }
            await next(context).ConfigureAwait(false);
            string result = context.Result.GetValue<object>()?.ToString() ?? "";
            Calls.Add(new ToolCallRecord(name, args, result, result.StartsWith("error: ", StringComparison.Ordinal)));
            _onEvent?.Invoke(new ChatEvent(ChatEventKind.ToolResult, OneLine(result), name));
        }
    }
}

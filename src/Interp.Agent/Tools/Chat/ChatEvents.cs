// What a chat turn reports as it happens, for a terminal, a web page or a test: streamed answer text, each tool call
// (name, arguments) and its one-line result, limits reached, and failures of the agent's LLM (a state, not an answer).
namespace Interp.Agent.Tools.Chat;

public enum ChatEventKind { Text, ToolCall, ToolResult, Limit, Failure }

/// <param name="Tool">the tool's name for ToolCall / ToolResult</param>
/// <param name="Text">streamed text, the arguments as JSON (ToolCall), a one-line result (ToolResult) or the reason</param>
public sealed record ChatEvent(ChatEventKind Kind, string Text, string? Tool = null);

/// <param name="Result">the tool's full result (JSON or "error: …")</param>
public sealed record ToolCallRecord(string Tool, IReadOnlyDictionary<string, string?> Arguments, string Result, bool Failed);

/// <param name="Answer">the final answer text; empty when the turn ended on a limit or a failure</param>
/// <param name="Failure">why the turn has no answer (LLM failure, token limit), else null</param>
public sealed record ChatTurn(string Answer, IReadOnlyList<ToolCallRecord> ToolCalls, string? Failure, long TokensUsed);

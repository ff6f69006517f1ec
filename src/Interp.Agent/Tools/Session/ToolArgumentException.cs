// An argument a tool cannot accept: says which argument, what was wrong and what to pass instead, in words a model can
// act on ("unknown hook 'blocks.9.hook_resid_post'; nearest valid: blocks.3.hook_resid_post, …"). An expected failure
// (InterpException), so the CLI exits 2 and MCP returns the message as the tool's error text.
using Interp.Errors;

namespace Interp.Agent.Tools;

public sealed class ToolArgumentException(string argument, string what, string? hint = null)
    : InterpException(what, $"argument '{argument}'", hint)
{
    public string Argument { get; } = argument;
}

// `interp tool NAME name=value …`: one tool call from the command line (the CLI face of every tool), printing the
// tool's JSON record; a refused argument is an error line and exit 2. `interp tool --list` lists the tools.
using System.CommandLine;
using Interp.Agent.Tools;
using Microsoft.SemanticKernel;

namespace Interp.Host.Commands;

public static class ToolCommand
{
    public static Command Create()
    {
        var session = new SessionCli();
        var name = new Argument<string?>("tool") { Description = "Tool name (top_features, ablate_heads, …); see --list.", Arity = ArgumentArity.ZeroOrOne };
        var args = new Argument<string[]>("arguments") { Description = "name=value pairs, e.g. text=\"The cat sat\" k=5.", Arity = ArgumentArity.ZeroOrMore };
        var list = new Option<bool>("--list") { Description = "List the tools with their arguments instead of calling one." };
        var cmd = new Command("tool", "Call one interpretability tool (the same function the chat agent and MCP clients call) and print its JSON result.") { name, args, list };
        session.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            await using var s = await ModelSession.LoadAsync(session.Read(r), line => Console.Error.WriteLine("warning: " + line), ct);
            var kernel = InterpTools.CreateKernel(s, ToolErrorMode.Throw);
            if (r.GetValue(list) || r.GetValue(name) is null)
            {
                foreach (var f in InterpTools.Functions(kernel))
                    Console.WriteLine($"{f.Name}({string.Join(", ", f.Metadata.Parameters.Select(p => p.IsRequired ? p.Name : p.Name + "?"))})");
                return 0;
            }
            Console.WriteLine(await Invoke(kernel, r.GetValue(name)!, SessionCli.Args(r.GetValue(args) ?? []), ct));
            return 0;
        });
        return cmd;
    }

    /// <summary>Calls <paramref name="tool"/> with string arguments (SK converts them to the parameter types).</summary>
    public static async Task<string> Invoke(Kernel kernel, string tool, IReadOnlyDictionary<string, string?> arguments, CancellationToken ct = default)
    {
        var fns = InterpTools.Functions(kernel);
        var fn = fns.FirstOrDefault(f => f.Name == tool)
            ?? throw new CliException($"no tool named '{tool}'", $"nearest: {string.Join(", ", Interp.Errors.NameSuggestions.Nearest(fns.Select(f => f.Name), tool))}; `interp tool --list` lists them");
        var known = fn.Metadata.Parameters.Select(p => p.Name).ToHashSet();
        foreach (var k in arguments.Keys)
            if (!known.Contains(k)) throw new CliException($"{tool} has no argument '{k}'", $"its arguments: {string.Join(", ", known)}");
        var ka = new KernelArguments();
        foreach (var (k, v) in arguments) ka[k] = v;
        try { return (await kernel.InvokeAsync(fn, ka, ct)).GetValue<object>()?.ToString() ?? ""; }
        catch (KernelException e) when (e.InnerException is { } inner) { throw inner; }
    }
}

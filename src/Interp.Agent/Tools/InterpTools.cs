// The one place the tools are assembled, for every host: the SK plugins over a session's primitives (a Kernel for the
// chat investigator or any SK agent), the same kernel functions as MCP tools (stdio in `interp mcp`, HTTP under
// ASP.NET Core's MapMcp in `interp serve`), and the plugin layout. Read-only unless the session enables writes: the
// notes plugin (save_label, save_note) is registered only then.
using Interp.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Interp.Agent.Tools;

/// <summary>How a tool's expected failure reaches the caller: as an McpException (MCP: the client gets IsError and the
/// message) or as the function's result text "error: …" (an SK agent reads it and can correct its call).</summary>
public enum ToolErrorMode { Throw, Mcp, Result }

public static class InterpTools
{
    public const string ModelPlugin = "model", FeaturePlugin = "features", InterventionPlugin = "interventions", CircuitPlugin = "circuits", NotesPlugin = "notes";

    /// <summary>Adds the interpretability plugins over <paramref name="session"/> to <paramref name="kernel"/>.</summary>
    public static Kernel AddInterpTools(this Kernel kernel, ModelSession session, ToolErrorMode errors = ToolErrorMode.Result)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(session);
        var p = new InterpPrimitives(session);
        kernel.Plugins.AddFromObject(new ModelPlugin(p), ModelPlugin);
        kernel.Plugins.AddFromObject(new FeaturePlugin(p), FeaturePlugin);
        kernel.Plugins.AddFromObject(new InterventionPlugin(p), InterventionPlugin);
        kernel.Plugins.AddFromObject(new CircuitPlugin(p), CircuitPlugin);
        if (session.WritesEnabled) kernel.Plugins.AddFromObject(new NotesPlugin(p), NotesPlugin);
        if (errors != ToolErrorMode.Throw) kernel.FunctionInvocationFilters.Add(new ToolErrorFilter(errors));
        return kernel;
    }

    /// <summary>A kernel holding only the tools (no chat service): for MCP, `interp tool` and `/call`.</summary>
    public static Kernel CreateKernel(ModelSession session, ToolErrorMode errors = ToolErrorMode.Result) => new Kernel().AddInterpTools(session, errors);

    /// <summary>Every tool function of a kernel built by AddInterpTools, in plugin order.</summary>
    public static IReadOnlyList<KernelFunction> Functions(Kernel kernel) => kernel.Plugins.SelectMany(pl => pl).ToList();

    /// <summary>The tools as MCP server tools, named as the kernel functions (top_features, …), bound to their kernel.</summary>
    public static IReadOnlyList<McpServerTool> McpTools(ModelSession session)
    {
        var kernel = CreateKernel(session, ToolErrorMode.Mcp);
        return kernel.Plugins.SelectMany(pl => pl.Select(fn => McpServerTool.Create(new McpFunction(fn.WithKernel(kernel), fn.Name), new McpServerToolCreateOptions
        {
            Name = fn.Name, Description = fn.Description, ReadOnly = pl.Name != NotesPlugin, Destructive = false, Idempotent = pl.Name != NotesPlugin,
            OpenWorld = false,
        }))).ToList();
    }

    /// <summary>Serves the session's tools from an MCP server builder: `.WithStdioServerTransport().WithInterpTools(s)` or
    /// `.WithHttpTransport().WithInterpTools(s)` then `app.MapMcp()`.</summary>
    public static IMcpServerBuilder WithInterpTools(this IMcpServerBuilder builder, ModelSession session) => builder.WithTools(McpTools(session));

    /// <summary>The MCP face of a kernel function: its result text as the tool's text (not re-encoded as a JSON string),
    /// and every failure as an McpException carrying the one-line description (the SDK hides other exceptions' messages).</summary>
    private sealed class McpFunction(AIFunction inner, string name) : DelegatingAIFunction(inner)
    {
        private readonly System.Text.Json.JsonElement _schema = CleanSchema(inner.JsonSchema);

        /// <summary>SK 1.82 writes the function description into the parameters schema under a non-standard "condition"
        /// key (agent-apis.md §1); strict JSON-Schema clients may reject it, and the description is on the tool already.</summary>
        public override System.Text.Json.JsonElement JsonSchema => _schema;

        private static System.Text.Json.JsonElement CleanSchema(System.Text.Json.JsonElement schema)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(schema.GetRawText())!.AsObject();
            node.Remove("condition");
            return System.Text.Json.JsonSerializer.SerializeToElement(node);
        }

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            object? r;
            try { r = await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not McpException and not OperationCanceledException) { throw new McpException(Describe(name, e), e); }
            return r switch
            {
                FunctionResult fr => fr.GetValue<object>() is string s ? s : fr.GetValue<object>(),
                System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } je => je.GetString(),
                _ => r,
            };
        }
    }

    /// <summary>Turns a tool's expected failures (bad arguments, missing files) into what the caller can act on; internal
    /// failures keep their type name so they can be reported.</summary>
    private sealed class ToolErrorFilter(ToolErrorMode mode) : IFunctionInvocationFilter
    {
        public async Task OnFunctionInvocationAsync(Microsoft.SemanticKernel.FunctionInvocationContext context, Func<Microsoft.SemanticKernel.FunctionInvocationContext, Task> next)
        {
            try { await next(context).ConfigureAwait(false); }
            catch (Exception e) when (e is not McpException and not OperationCanceledException)
            {
                var text = Describe(context.Function.Name, e);
                if (mode == ToolErrorMode.Mcp) throw new McpException(text, e);
                context.Result = new FunctionResult(context.Function, "error: " + text);
            }
        }
    }

    /// <summary>One line for a failed tool call: the classified error (what, where, hint) or, for a bug, its type.</summary>
    public static string Describe(string tool, Exception e)
    {
        var inner = e is KernelException or System.Reflection.TargetInvocationException && e.InnerException is { } ie ? ie : e;
        var r = ErrorClassifier.Classify(inner);
        return r.IsInternal ? $"{tool} failed internally ({inner.GetType().Name}: {inner.Message}); this is a bug, not your input" : r.Text;
    }
}

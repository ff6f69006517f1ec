// `interp mcp`: serves every tool of a model session over MCP on stdio (ModelContextProtocol 2.4.0), built from the same
// kernel functions as the chat agent (InterpTools.WithInterpTools). stdout carries only the protocol; logs go to stderr.
// The session loads before the server starts, so a bad --model or --sae is one error line and exit 2.
using System.CommandLine;
using Interp.Agent.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace Interp.Host.Commands;

public static class McpCommand
{
    public static Command Create()
    {
        var session = new SessionCli();
        var verbose = new Option<bool>("--verbose") { Description = "Log each request at Information level (stderr)." };
        var cmd = new Command("mcp", "Serve the interpretability tools to MCP clients (Claude Desktop, IDEs) over stdio.") { verbose };
        session.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            var options = session.Read(r);
            await using var s = await ModelSession.LoadAsync(options, line => Console.Error.WriteLine("warning: " + line), ct);
            await Serve(s, r.GetValue(verbose), ct);
            return 0;
        });
        return cmd;
    }

    public static async Task Serve(ModelSession session, bool verbose, CancellationToken ct)
    {
        var hb = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder([]);
        hb.Logging.ClearProviders();
        hb.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);   // stdout is the protocol
        hb.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        // a refused argument is a normal answer (the client gets the message), not a server fault worth a stack trace
        hb.Logging.AddFilter("ModelContextProtocol.Server.McpServer", verbose ? LogLevel.Information : LogLevel.Critical);
        hb.Services.AddMcpServer(o => o.ServerInfo = new Implementation { Name = "interp", Version = typeof(McpCommand).Assembly.GetName().Version?.ToString() ?? "0" })
            .WithStdioServerTransport()
            .WithInterpTools(session);
        await hb.Build().RunAsync(ct);
    }
}

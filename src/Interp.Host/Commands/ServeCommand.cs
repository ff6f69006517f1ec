// `interp serve [--urls U] [--config F]`: the hosted worker (job queue + worker, HTTP API, web UI, MCP, scheduled evals)
// until SIGTERM / Ctrl+C, when running jobs checkpoint and the process exits within Worker.shutdown_s. Composition is
// Serve/ServeHost.cs.
using System.CommandLine;
using Interp.Host.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Interp.Host.Commands;

public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = $"Where to listen (default {ServeHost.DefaultUrls}).", DefaultValueFactory = _ => ServeHost.DefaultUrls };
        var config = new Option<string?>("--config") { Description = "appsettings.json (default: ./appsettings.json, else the one beside the executable)." };
        var cmd = new Command("serve", "Run the hosted worker: job queue, HTTP API (/openapi/v1.json), web UI, MCP at /mcp, scheduled eval suites.") { urls, config };
        cmd.SetAction(async (p, ct) =>
        {
            var app = ServeHost.Build(LlmCommand.ResolveConfig(p.GetValue(config)), p.GetValue(urls)!);
            await app.StartAsync(ct);
            Console.Error.WriteLine($"interp serve: listening on {string.Join(", ", app.Urls)} (UI at {app.Urls.First()}/)");
            await app.WaitForShutdownAsync(CancellationToken.None);
            return 0;
        });
        return cmd;
    }
}

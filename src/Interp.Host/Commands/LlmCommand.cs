// `interp llm probe --role R`: what the role's endpoint and model support (cached per Llm.probe_ttl_hours), as a table
// or JSON. `interp llm standin --port N --script F`: the stand-in OpenAI-compatible server, to dry-run a configuration
// for free. The LLM layer itself is Interp.Agent/Llm and Interp.Agent/StandIn (docs/llm.md).
using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Probe;
using Interp.Agent.StandIn;
using Microsoft.Extensions.Logging;

namespace Interp.Host.Commands;

public static class LlmCommand
{
    public static Command Create()
    {
        var cmd = new Command("llm", "The LLM layer: probe an endpoint's capabilities, or run the stand-in OpenAI-compatible server.");
        cmd.Subcommands.Add(CreateProbe());
        cmd.Subcommands.Add(CreateStandIn());
        return cmd;
    }

    private static Option<string?> ConfigOption() => new("--config")
    { Description = "appsettings.json holding the Llm section (default: ./appsettings.json, else the one beside the executable)." };

    private static Command CreateProbe()
    {
        var role = new Option<string>("--role") { Description = "Role to probe: explainer, simulator, judge, agent or embeddings.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the capabilities as JSON." };
        var refresh = new Option<bool>("--refresh") { Description = "Probe again even if a cached probe is still valid." };
        var config = ConfigOption();
        var cmd = new Command("probe", "Ask the role's endpoint what it supports: chat, tool calls, logprobs (top-N), legacy echo, JSON mode, context length.")
            { role, json, refresh, config };
        cmd.SetAction(p => CliErrors.Guard(() =>
            Probe(ResolveConfig(p.GetValue(config)), p.GetValue(role)!, p.GetValue(json), p.GetValue(refresh), Console.Out)));
        return cmd;
    }

    private static Command CreateStandIn()
    {
        var port = new Option<int>("--port") { Description = "Loopback port to listen on (0 = any free port).", DefaultValueFactory = _ => 8000 };
        var script = new Option<string>("--script") { Description = "Stand-in script (JSON): models, capabilities, rules (see docs/llm.md; examples/llm/standin.json).", Required = true };
        var latency = new Option<double?>("--latency-ms") { Description = "Fixed latency added to every request (overrides the script's latency_ms)." };
        var quiet = new Option<bool>("--quiet") { Description = "Do not log each request to stderr." };
        var cmd = new Command("standin", "Run the stand-in OpenAI-compatible server on 127.0.0.1 until Ctrl+C (a test device, not a model).")
            { port, script, latency, quiet };
        cmd.SetAction(p => CliErrors.Guard(() =>
        {
            using var stop = new CancellationTokenSource();
            void Stop(PosixSignalContext c) { c.Cancel = true; stop.Cancel(); }  // stop gracefully: close Kestrel, print the count
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            return StandIn(p.GetValue(port), p.GetValue(script)!, p.GetValue(latency), p.GetValue(quiet), Console.Out, stop.Token);
        }));
        return cmd;
    }

    /// <summary>The config file: --config, else ./appsettings.json, else the one copied beside the executable.</summary>
    public static string ResolveConfig(string? given)
    {
        if (given is not null) return given;
        string local = Path.GetFullPath("appsettings.json");
        return File.Exists(local) ? local : Path.Combine(AppContext.BaseDirectory, "appsettings.json");
    }

    public static int Probe(string configPath, string roleKey, bool json, bool refresh, TextWriter output)
    {
        var role = LlmRoles.Parse(roleKey, "--role");
        var options = LlmOptionsLoader.FromAppSettings(configPath);
        using var client = new LlmClient(options);
        LlmCapabilities caps;
        try { caps = client.ProbeAsync(role, refresh).GetAwaiter().GetResult(); }
        catch (LlmProbeFailedException e)
        {
            throw new CliException($"probe of role {role.Key()} failed: {e.Message} (config {configPath}; for a dry run start `interp llm standin`)");
        }
        if (json)
        {
            var node = JsonSerializer.SerializeToNode(caps, StrictJson.Options)!.AsObject();
            node.Insert(0, "role", role.Key());
            node["from_cache"] = caps.FromCache;
            output.WriteLine(node.ToJsonString());
            return 0;
        }
        output.WriteLine($"role {role.Key()}: model {caps.Model} at {caps.BaseUrl}");
        output.WriteLine($"probed {caps.ProbedAt:u}{(caps.FromCache ? $" (cached; valid {options.ProbeTtlHours:G} h, --refresh to probe again)" : "")}");
        output.WriteLine();
        output.WriteLine($"{"capability",-18} {"supported",-10} detail");
        void Row(string name, Capability c) => output.WriteLine($"{name,-18} {(c.Supported ? "yes" : "no"),-10} {c.Detail}");
        Row("chat", caps.Chat);
        Row("tool_calls", caps.ToolCalls);
        Row("logprobs", caps.Logprobs);
        output.WriteLine($"{"top_logprobs",-18} {caps.MaxTopLogprobs?.ToString() ?? "-",-10} most alternatives per position returned");
        Row("completions_echo", caps.CompletionsEcho);
        Row("json_mode", caps.JsonMode);
        output.WriteLine($"{"context_length",-18} {caps.ContextLength?.ToString() ?? "unknown",-10} {caps.ContextLengthSource ?? "the server does not say"}");
        return 0;
    }

    public static int StandIn(int port, string scriptPath, double? latencyMs, bool quiet, TextWriter output, CancellationToken ct)
    {
        if (port is < 0 or > 65535) throw new CliException($"--port must be 0..65535; got {port}.");
        if (latencyMs is < 0) throw new CliException($"--latency-ms must be >= 0; got {latencyMs}.");
        var script = StandInScript.Load(scriptPath);
        if (latencyMs is { } l) script = script with { LatencyMs = l };
        using var logs = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
            if (!quiet)
                b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // stdout carries only the banner
                 .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        });
        StandInServer server;
        try { server = StandInServer.StartAsync(script, port, logs, ct).GetAwaiter().GetResult(); }
        catch (IOException e) { throw new CliException($"stand-in cannot listen on 127.0.0.1:{port} ({e.Message}); pick another --port"); }
        try
        {
            output.WriteLine($"stand-in OpenAI-compatible server (not a model) listening on {server.BaseUrl}");
            output.WriteLine($"script {scriptPath}: {script.Rules.Count} rules, models {string.Join(", ", script.Models.Select(m => m.Id))}, latency {script.LatencyMs} ms; Ctrl+C stops it");
            output.Flush();
            server.WaitAsync(ct).GetAwaiter().GetResult();
            output.WriteLine($"stand-in stopped after {server.RequestCount} requests");
            return 0;
        }
        finally { server.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }
}

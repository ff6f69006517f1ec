// `interp llm probe` and `interp llm standin` as a user runs them: the shipped example script served on loopback,
// a config pointing at it, the table and JSON outputs, and clear exit-2 errors for a bad role or a dead endpoint.
using System.Text.Json.Nodes;
using Interp.Agent.StandIn;
using Interp.Host.Commands;

namespace Interp.Host.Tests.Commands;

public sealed class LlmCommandTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Agent.sln) not found above the test binaries");
    }

    private static string ExampleScript => Path.Combine(RepoRoot(), "examples", "llm", "standin.json");

    /// <summary>The repository's appsettings.json with base_url and store_path pointed at this test's stand-in and temp folder.</summary>
    private static string Config(string dir, Uri baseUrl)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "appsettings.json")))!;
        root["Llm"]!["endpoints"]!["local"]!["base_url"] = baseUrl.ToString();
        root["Llm"]!["store_path"] = Path.Combine(dir, "llm.db");
        string path = Path.Combine(dir, "appsettings.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    [Fact]
    public async Task Probe_ExampleStandIn_PrintsTheCapabilityTable()
    {
        var dir = Directory.CreateTempSubdirectory("interp-llm-");
        try
        {
            await using var server = await StandInServer.StartAsync(StandInScript.Load(ExampleScript));
            var output = new StringWriter();

            int rc = LlmCommand.Probe(Config(dir.FullName, server.BaseUrl), "simulator", json: false, refresh: false, output);

            string text = output.ToString();
            Assert.Equal(0, rc);
            Assert.Contains("tool_calls         yes", text);
            Assert.Contains("logprobs           yes", text);
            Assert.Contains("top_logprobs       20", text);
            Assert.Contains("completions_echo   yes", text);
            Assert.Contains("context_length     8192", text);
        }
        finally { Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); dir.Delete(recursive: true); }
    }

    [Fact]
    public async Task Probe_Json_OneObjectAndTheSecondRunIsCached()
    {
        var dir = Directory.CreateTempSubdirectory("interp-llm-");
        try
        {
            await using var server = await StandInServer.StartAsync(StandInScript.Load(ExampleScript));
            string config = Config(dir.FullName, server.BaseUrl);
            var first = new StringWriter();
            var second = new StringWriter();

            LlmCommand.Probe(config, "judge", json: true, refresh: false, first);
            int requests = server.RequestCount;
            LlmCommand.Probe(config, "judge", json: true, refresh: false, second);

            var a = JsonNode.Parse(first.ToString())!;
            var b = JsonNode.Parse(second.ToString())!;
            Assert.Equal("judge", (string)a["role"]!);
            Assert.False((bool)a["from_cache"]!);
            Assert.True((bool)b["from_cache"]!);
            Assert.Equal(requests, server.RequestCount);
            Assert.True((bool)a["json_mode"]!["supported"]!);
        }
        finally { Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); dir.Delete(recursive: true); }
    }

    [Fact]
    public void Probe_UnknownRoleOrDeadEndpoint_ExitTwo()
    {
        var dir = Directory.CreateTempSubdirectory("interp-llm-");
        try
        {
            string config = Config(dir.FullName, new Uri("http://127.0.0.1:9/v1"));
            Assert.Equal(2, CliErrors.Guard(() => LlmCommand.Probe(config, "explainr", false, false, TextWriter.Null)));
            Assert.Equal(2, CliErrors.Guard(() => LlmCommand.Probe(Path.Combine(dir.FullName, "missing.json"), "judge", false, false, TextWriter.Null)));
        }
        finally { Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); dir.Delete(recursive: true); }
    }

    [Fact]
    public async Task StandIn_ServesUntilCancelledThenReportsTheCount()
    {
        using var cts = new CancellationTokenSource();
        var output = new SyncWriter();
        var run = Task.Run(() => LlmCommand.StandIn(0, ExampleScript, latencyMs: null, quiet: true, output, cts.Token));
        string? url = null;
        for (int i = 0; i < 200 && url is null; i++)
        {
            await Task.Delay(50);
            url = output.Text.Split('\n').FirstOrDefault(l => l.Contains("listening on"))?.Split("listening on ")[1].Trim();
        }
        Assert.NotNull(url);
        using var http = new HttpClient();
        var models = JsonNode.Parse(await http.GetStringAsync(url + "/models"))!;
        cts.Cancel();

        Assert.Equal(0, await run);
        Assert.Equal("interp-stand-in", (string)models["data"]![0]!["owned_by"]!);
        Assert.Contains("stand-in stopped after 1 requests", output.Text);
    }

    private sealed class SyncWriter : StringWriter
    {
        private readonly object _gate = new();
        public string Text { get { lock (_gate) return ToString(); } }
        public override void Write(char value) { lock (_gate) base.Write(value); }
        public override void Write(string? value) { lock (_gate) base.Write(value); }
        public override void WriteLine(string? value) { lock (_gate) base.WriteLine(value); }
    }
}

// `interp mcp` as a real child process on stdio: the SDK's stdio client lists every tool and calls one; the official
// TypeScript SDK (tests/mcp-node, when node is present) does the same from outside .NET; a bad --model is one error
// line on stderr, exit 2 and nothing on stdout (the protocol channel).
using System.Diagnostics;
using System.Text.Json;
using Interp.Host.Cli;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Interp.Host.Tests.Commands;

/// <summary>Runs when `node` is on PATH. Without tests/mcp-node/node_modules it is skipped, unless
/// INTERP_REQUIRE_NODE_MCP=1 (set by .ci/run, which installs the package), where it fails instead.</summary>
public sealed class NodeMcpFactAttribute : FactAttribute
{
    public static string? Node => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);

    public NodeMcpFactAttribute()
    {
        if (Node is null) Skip = "node is not installed: the TypeScript-SDK client test needs it (.ci/run installs nodejs and npm)";
        else if (!Directory.Exists(Path.Combine(CliHarness.RepoRoot, "tests/mcp-node/node_modules/@modelcontextprotocol/sdk"))
                 && Environment.GetEnvironmentVariable("INTERP_REQUIRE_NODE_MCP") != "1")
            Skip = "tests/mcp-node has no node_modules: run `npm ci` there (.ci/run does) to test with @modelcontextprotocol/sdk";
    }
}

public sealed class McpCommandTests
{
    private static readonly string Interp = typeof(CliBoundary).Assembly.Location;
    private static readonly string Model = Path.Combine(CliHarness.RepoRoot, "evals/models/english-small");
    private static readonly string Sae = Path.Combine(CliHarness.RepoRoot, "evals/saes/english-small-resid2-topk");

    [Fact]
    public async Task Stdio_SdkClientListsAndCallsTools()
    {
        await using var client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "interp", Command = "dotnet", Arguments = [Interp, "mcp", "--model", Model, "--sae", Sae],
        }));
        var tools = await client.ListToolsAsync();
        Assert.Equal(20, tools.Count);
        Assert.Contains(tools, t => t.Name == "top_features");
        var r = await client.CallToolAsync("run_prompt", new Dictionary<string, object?> { ["text"] = "And God said", ["k"] = 2 });
        using var doc = JsonDocument.Parse(Assert.IsType<TextContentBlock>(r.Content[0]).Text);
        Assert.Equal(2, doc.RootElement.GetProperty("next_tokens").GetArrayLength());
    }

    [Fact]
    public void Stdio_BadModel_ErrorOnStderrNothingOnStdout()
    {
        var psi = new ProcessStartInfo("dotnet", [Interp, "mcp", "--model", "/nonexistent/model"])
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(2, p.ExitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: the model folder does not exist", stderr);
    }

    [NodeMcpFact]
    public void TypeScriptSdk_SpawnsInterpMcp_ListsAndCallsTools()
    {
        var psi = new ProcessStartInfo(NodeMcpFactAttribute.Node!, [Path.Combine(CliHarness.RepoRoot, "tests/mcp-node/client.mjs"), "dotnet", Interp, "mcp", "--model", Model, "--sae", Sae])
        { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.Combine(CliHarness.RepoRoot, "tests/mcp-node") };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000));
        Assert.True(p.ExitCode == 0, $"node client failed ({p.ExitCode}): {err.Result}");
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(20, root.GetProperty("tools").GetArrayLength());
        Assert.Equal("object", root.GetProperty("schemas").GetProperty("ablate_heads").GetProperty("type").GetString());
        Assert.Equal(3, root.GetProperty("tokenize").GetProperty("count").GetInt32());
        Assert.Equal(2, root.GetProperty("run_prompt").GetProperty("next_tokens").GetArrayLength());
        Assert.True(root.GetProperty("bad").GetProperty("is_error").GetBoolean());
        Assert.Contains("blocks.2.hook_resid_post", root.GetProperty("bad").GetProperty("text").GetString());
    }
}

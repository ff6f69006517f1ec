// The tools over MCP (ModelContextProtocol 2.4.0) with the SDK's own client, in process over pipes: the listed tools and
// their input schemas equal the goldens under Tools/Goldens (regenerate with INTERP_UPDATE_GOLDENS=1 and review the
// diff), every tool is called with valid arguments, and a bad argument comes back as an error message the client sees.
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Tools;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Interp.Agent.Tests.Tools;

[Collection(nameof(ToolCollection))]
public sealed class McpToolTests(ToolFixture fx)
{
    public static readonly string[] ExpectedTools =
    [
        "list_models", "list_saes", "list_hooks", "tokenize", "run_prompt", "get_activations", "compare_prompts",
        "top_features", "feature_info", "search_features", "feature_neighbours",
        "ablate_features", "ablate_heads", "ablate_neurons", "patch_activation", "steer_generate",
        "attribute", "patch_nodes", "test_circuit", "propose_hypothesis",
    ];

    private static string GoldenDir => Path.Combine(ToolFixture.Root, "tests/Interp.Agent.Tests/Tools/Goldens");

    internal sealed class Connection(McpClient client, McpServer server) : IAsyncDisposable
    {
        public McpClient Client => client;
        public async ValueTask DisposeAsync() { await client.DisposeAsync(); await server.DisposeAsync(); }
    }

    internal static async Task<Connection> Connect(ModelSession session)
    {
        var c2s = new Pipe();
        var s2c = new Pipe();
        var opts = new McpServerOptions { ServerInfo = new Implementation { Name = "interp", Version = "test" }, ToolCollection = [] };
        foreach (var t in InterpTools.McpTools(session)) opts.ToolCollection.Add(t);
        var server = McpServer.Create(new StreamServerTransport(c2s.Reader.AsStream(), s2c.Writer.AsStream()), opts);
        _ = server.RunAsync();
        var client = await McpClient.CreateAsync(new StreamClientTransport(c2s.Writer.AsStream(), s2c.Reader.AsStream()));
        return new Connection(client, server);
    }

    [Fact]
    public async Task ListTools_AllToolsWithTheGoldenSchemas()
    {
        await using var c = await Connect(fx.English);
        var tools = await c.Client.ListToolsAsync();
        Assert.Equal(ExpectedTools, tools.Select(t => t.Name));
        bool update = Environment.GetEnvironmentVariable("INTERP_UPDATE_GOLDENS") == "1";
        foreach (var t in tools)
        {
            var actual = new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["input_schema"] = JsonNode.Parse(t.JsonSchema.GetRawText()) };
            string path = Path.Combine(GoldenDir, t.Name + ".json");
            if (update)
            {
                Directory.CreateDirectory(GoldenDir);
                File.WriteAllText(path, actual.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
            }
            Assert.True(File.Exists(path), $"no golden schema for {t.Name}; run the tests once with INTERP_UPDATE_GOLDENS=1 and review it");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(path)), actual), $"{t.Name}: the listed schema differs from {path}:\n{actual}");
        }
        Assert.Equal(ExpectedTools.Length, Directory.GetFiles(GoldenDir, "*.json").Length);
    }

    /// <summary>Valid arguments for every tool (circuit tools on the toy model's IOI task).</summary>
    public static Dictionary<string, Dictionary<string, object?>> ValidCalls(string hook) => new()
    {
        ["list_models"] = new(), ["list_saes"] = new(), ["list_hooks"] = new() { ["contains"] = "resid_post" },
        ["tokenize"] = new() { ["text"] = "And God said" },
        ["run_prompt"] = new() { ["text"] = "And God said", ["k"] = 3 },
        ["get_activations"] = new() { ["text"] = "And God said", ["hook"] = hook, ["positions"] = "-1" },
        ["compare_prompts"] = new() { ["text_a"] = "And God said", ["text_b"] = "And Moses said" },
        ["top_features"] = new() { ["text"] = "And God said", ["k"] = 3 },
        ["feature_info"] = new() { ["feature"] = 7, ["examples"] = 2 },
        ["search_features"] = new() { ["query"] = "months of the year", ["k"] = 2 },
        ["feature_neighbours"] = new() { ["feature"] = 7, ["k"] = 3 },
        ["ablate_features"] = new() { ["text"] = "And God said", ["features"] = "7,14" },
        ["ablate_heads"] = new() { ["text"] = "And God said", ["heads"] = "L0.H1" },
        ["ablate_neurons"] = new() { ["text"] = "And God said", ["neurons"] = "L1.N5" },
        ["patch_activation"] = new() { ["clean"] = "And God said", ["corrupted"] = "And Moses said", ["hook"] = hook },
        ["steer_generate"] = new() { ["text"] = "And God said", ["feature"] = 7, ["strength"] = 8, ["max_new_tokens"] = 4 },
        ["attribute"] = new() { ["task"] = "ioi", ["pairs"] = 4, ["k"] = 3 },
        ["patch_nodes"] = new() { ["task"] = "ioi", ["pairs"] = 4, ["node_ids"] = "L1.H0" },
        ["test_circuit"] = new() { ["task"] = "ioi", ["pairs"] = 4, ["node_ids"] = "L1.H0,L0.H1" },
        ["propose_hypothesis"] = new() { ["claim"] = "L1.H0 and L0.H1 carry IOI", ["task"] = "ioi", ["pairs"] = 4, ["node_ids"] = "L1.H0,L0.H1" },
    };

    [Fact]
    public async Task CallTool_EveryToolAnswersWithJson()
    {
        await using var en = await Connect(fx.English);
        await using var toy = await Connect(fx.Toy);
        foreach (var (name, args) in ValidCalls(fx.English.Saes[0].HookName))
        {
            var client = name is "attribute" or "patch_nodes" or "test_circuit" or "propose_hypothesis" ? toy.Client : en.Client;
            var r = await client.CallToolAsync(name, args);
            string text = Assert.IsType<TextContentBlock>(r.Content[0]).Text;
            Assert.False(r.IsError == true, $"{name}: {text}");
            using var doc = JsonDocument.Parse(text);              // a JSON record, not an error line
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task CallTool_BadArgument_IsAnErrorWithTheMessage()
    {
        await using var c = await Connect(fx.English);
        var r = await c.Client.CallToolAsync("get_activations", new Dictionary<string, object?> { ["text"] = "And God said", ["hook"] = "blocks.2.hook_resid_pots" });
        Assert.True(r.IsError);
        string text = Assert.IsType<TextContentBlock>(r.Content[0]).Text;
        Assert.Contains("argument 'hook'", text);
        Assert.Contains("blocks.2.hook_resid_post", text);
    }
}

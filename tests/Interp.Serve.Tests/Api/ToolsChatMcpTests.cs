// Tool calls over HTTP, MCP over HTTP (the same tools, behind the API key) and the chat route against the scripted
// stand-in LLM (real HTTP on loopback, real tool execution on the toy model).
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Interp.Agent.StandIn;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Interp.Serve.Tests.Api;

[Collection(ServeCollection.Name)]
public sealed class ToolsChatMcpTests : IAsyncLifetime
{
    private const string Text = "Anna gave the ball to Ben";
    private StandInServer _llm = null!;
    private ServerFixture _s = null!;

    private sealed class WithLlm(string url) : ServerFixture
    {
        public override string Config() => ServeTestEnv.WriteConfig(Dir, llmBaseUrl: url);
    }

    public async Task InitializeAsync()
    {
        string call = JsonSerializer.Serialize(new { name = "tokenize", arguments = JsonSerializer.SerializeToNode(new { text = Text }) });
        _llm = await StandInServer.StartAsync(StandInScript.Parse($$"""
            { "rules": [
              { "name": "look", "times": 1, "when": { "path": "chat", "last_role": "user" }, "reply": { "tool_calls": [ {{call}} ] } },
              { "name": "answer", "when": { "path": "chat" }, "reply": { "content": "The sentence has the tokens shown by tokenize." } } ] }
            """));
        _s = new WithLlm(_llm.BaseUrl.ToString());
        await _s.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _s.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task ToolCall_SameResultAsMcp_BadArgumentsNamed()
    {
        var tools = JsonDocument.Parse(await _s.Reader.GetStringAsync("/api/tools")).RootElement.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
        Assert.Contains("tokenize", tools);
        Assert.Contains("top_features", tools);
        var r = await _s.Reader.PostAsJsonAsync("/api/tools/tokenize", new { text = Text });
        string viaHttp = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, viaHttp);
        Assert.Contains("Anna", viaHttp);

        var bad = await _s.Reader.PostAsJsonAsync("/api/tools/tokenize", new { txt = Text });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("no argument 'txt'", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _s.Reader.PostAsJsonAsync("/api/tools/tokenise", new { text = Text })).StatusCode);

        await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_s.BaseUrl + "/mcp"), TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Api-Key"] = ServeTestEnv.ReadKey },
        }));
        var mcpTools = await mcp.ListToolsAsync();
        Assert.Equal(tools.Order(), mcpTools.Select(t => t.Name).Order());
        var res = await mcp.CallToolAsync("tokenize", new Dictionary<string, object?> { ["text"] = Text });
        Assert.NotEqual(true, res.IsError);
        Assert.Equal(viaHttp, ((TextContentBlock)res.Content[0]).Text);
    }

    [Fact]
    public async Task Mcp_WithoutKey_401()
    {
        var r = await _s.Anonymous.PostAsync("/mcp", new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task Chat_StreamsToolCallResultAndAnswer()
    {
        var r = await _s.Admin.PostAsJsonAsync("/api/chat", new { question = "What are the tokens of the sentence?" });
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('\n')[0][7..]).ToList();
        Assert.Equal("conversation", events[0]);
        Assert.Equal("end", events[^1]);
        int call = events.IndexOf("tool_call"), result = events.IndexOf("tool_result"), text = events.IndexOf("text");
        Assert.True(call > 0 && result > call && text > result, string.Join(",", events));
        Assert.Contains("\"name\":\"tokenize\"", body);
        Assert.Contains("The sentence has the tokens shown by tokenize.", body);
        Assert.Equal(HttpStatusCode.Forbidden, (await _s.Reader.PostAsJsonAsync("/api/chat", new { question = "x" })).StatusCode);
    }
}

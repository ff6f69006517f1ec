// The stand-in OpenAI-compatible server on its own, spoken to with plain HTTP: script errors, rule order and `times`,
// tool names echoed as sent, the model list, streaming format, recording, and its refusal to answer without a rule.
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Interp.Agent.Llm.Options;
using Interp.Agent.StandIn;

namespace Interp.Agent.Tests.StandIn;

public sealed class StandInServerTests
{
    private static async Task<(HttpStatusCode Status, JsonObject? Body, string Raw)> Post(StandInServer s, string path, string json)
    {
        using var http = new HttpClient();
        using var r = await http.PostAsync(new Uri(s.BaseUrl + "/" + path), new StringContent(json, Encoding.UTF8, "application/json"));
        string raw = await r.Content.ReadAsStringAsync();
        JsonObject? body = null;
        try { body = JsonNode.Parse(raw) as JsonObject; } catch (System.Text.Json.JsonException) { }
        return (r.StatusCode, body, raw);
    }

    [Fact]
    public void Parse_UnknownKey_NamesTheNearest()
    {
        var e = Assert.Throws<LlmConfigException>(() => StandInScript.Parse("""{ "rules": [ { "when": { "last_usr": "x" }, "reply": { "content": "y" } } ] }"""));
        Assert.Contains("unknown key 'last_usr'", e.Message);
        Assert.Contains("did you mean 'last_user'", e.Message);
    }

    [Fact]
    public void Parse_RuleWithoutReplyOrFault_IsAnError()
    {
        var e = Assert.Throws<LlmConfigException>(() => StandInScript.Parse("""{ "rules": [ { "when": { "path": "chat" } } ] }"""));
        Assert.Contains("rules[0]", e.Message);
        Assert.Throws<LlmConfigException>(() => StandInScript.Parse("""{ "rules": [ { "when": { "last_user": "(" }, "reply": { "content": "y" } } ] }"""));
        Assert.Throws<LlmConfigException>(() => StandInScript.Parse("""{ "rules": [ { "fault": { "kind": "explode" } } ] }"""));
        Assert.Contains("not both", Assert.Throws<LlmConfigException>(() => StandInScript.Parse(
            """{ "rules": [ { "fault": { "kind": "status", "status": 200, "body": "{}", "body_base64": "e30=" } } ] }""")).Message);
        Assert.Contains("body_base64", Assert.Throws<LlmConfigException>(() => StandInScript.Parse(
            """{ "rules": [ { "fault": { "kind": "status", "status": 200, "body_base64": "not base64!" } } ] }""")).Message);
    }

    [Fact]
    public async Task Chat_RulesInOrderWithTimes_FirstMatchWinsThenFallsThrough()
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""
            { "rules": [
              { "name": "cats-once", "times": 1, "when": { "last_user": "cat" }, "reply": { "content": "first" } },
              { "name": "cats", "when": { "last_user": "cat" }, "reply": { "content": "later" } },
              { "name": "rest", "when": { "path": "chat" }, "reply": { "content": "other" } } ] }
            """));
        string Ask(string q) => $$"""{ "model": "stand-in", "messages": [ { "role": "user", "content": "{{q}}" } ] }""";

        var a = await Post(s, "chat/completions", Ask("a cat"));
        var b = await Post(s, "chat/completions", Ask("a cat"));
        var c = await Post(s, "chat/completions", Ask("a dog"));

        Assert.Equal("first", (string)a.Body!["choices"]![0]!["message"]!["content"]!);
        Assert.Equal("later", (string)b.Body!["choices"]![0]!["message"]!["content"]!);
        Assert.Equal("other", (string)c.Body!["choices"]![0]!["message"]!["content"]!);
        Assert.Equal(["cats-once", "cats", "rest"], s.Requests.Select(r => r.Rule));
        Assert.Equal("a dog", (string)s.Requests[2].Body!["messages"]![0]!["content"]!);
    }

    [Fact]
    public async Task Chat_NoRuleMatches_400SaysSo()
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""{ "rules": [] }"""));
        var r = await Post(s, "chat/completions", """{ "model": "stand-in", "messages": [ { "role": "user", "content": "x" } ] }""");
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Contains("no rule of the script matches", r.Raw);
    }

    [Fact]
    public async Task Chat_UnknownModel_404LikeOpenAI()
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""{ "rules": [ { "reply": { "content": "x" } } ] }"""));
        var r = await Post(s, "chat/completions", """{ "model": "gpt-9", "messages": [] }""");
        Assert.Equal(HttpStatusCode.NotFound, r.Status);
        Assert.Equal("model_not_found", (string)r.Body!["error"]!["code"]!);
    }

    [Theory]
    [InlineData("features-get_max_activation")]
    [InlineData("features_get_max_activation")]
    [InlineData("get_max_activation")]
    public async Task Chat_ToolCall_NameEchoedAsSent(string sent)
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""
            { "rules": [ { "reply": { "tool_calls": [ { "name": "get_max_activation", "arguments": { "featureId": 3 } } ] } } ] }
            """));
        var r = await Post(s, "chat/completions", $$"""
            { "model": "stand-in", "messages": [ { "role": "user", "content": "x" } ],
              "tools": [ { "type": "function", "function": { "name": "other_tool", "parameters": {} } },
                         { "type": "function", "function": { "name": "{{sent}}", "parameters": {} } } ] }
            """);
        var call = r.Body!["choices"]![0]!["message"]!["tool_calls"]![0]!;
        Assert.Equal(sent, (string)call["function"]!["name"]!);
        Assert.Equal("{\"featureId\":3}", (string)call["function"]!["arguments"]!);
        Assert.Equal("tool_calls", (string)r.Body["choices"]![0]!["finish_reason"]!);
    }

    [Fact]
    public async Task Models_ListsScriptModelsOwnedByTheStandIn()
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""{ "models": [ { "id": "m1", "context_length": 2048 }, { "id": "m2" } ] }"""));
        using var http = new HttpClient();
        var body = await http.GetFromJsonAsync<JsonObject>(s.BaseUrl + "/models");
        var data = body!["data"]!.AsArray();
        Assert.Equal(["m1", "m2"], data.Select(d => (string)d!["id"]!));
        Assert.All(data, d => Assert.Equal("interp-stand-in", (string)d!["owned_by"]!));
        Assert.Equal(2048, (int)data[0]!["max_model_len"]!);
    }

    [Fact]
    public async Task Chat_Stream_SseChunksWithUsageAndDone()
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""{ "rules": [ { "reply": { "content": "a b" } } ] }"""));
        var r = await Post(s, "chat/completions", """
            { "model": "stand-in", "stream": true, "stream_options": { "include_usage": true }, "messages": [ { "role": "user", "content": "x" } ] }
            """);
        var lines = r.Raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.StartsWith("data: ", l));
        Assert.Equal("data: [DONE]", lines[^1]);
        var chunks = lines[..^1].Select(l => JsonNode.Parse(l[6..])!).ToList();
        Assert.Equal("a b", string.Concat(chunks.Select(c => (string?)c["choices"]!.AsArray().FirstOrDefault()?["delta"]?["content"] ?? "")));
        Assert.Equal("stop", (string)chunks[^2]["choices"]![0]!["finish_reason"]!);
        Assert.Equal(2, (int)chunks[^1]["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task Latency_IsAddedToEveryRequest()
    {
        await using var s = await StandInServer.StartAsync(StandInScript.Parse("""{ "latency_ms": 150, "rules": [ { "reply": { "content": "x" } } ] }"""));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await Post(s, "chat/completions", """{ "model": "stand-in", "messages": [] }""");
        Assert.True(sw.ElapsedMilliseconds >= 150, $"{sw.ElapsedMilliseconds} ms");
    }
}

// The capability probe against stand-ins with and without logprobs, tools, echo and JSON mode (rejected with 400 or
// silently ignored), the top_logprobs fallback, the context length from /v1/models, and the on-disk cache with TTL.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Probe;

namespace Interp.Agent.Tests.Llm.Probe;

public sealed class CapabilityProbeTests
{
    private const string Rules = """
        "rules": [
          { "when": { "path": "chat", "has_tools": true }, "reply": { "tool_calls": [ { "name": "probe_echo", "arguments": { "value": "ok" } } ] } },
          { "when": { "path": "chat", "last_user": "JSON" }, "reply": { "content": "{\"ok\": true}" } },
          { "when": { "path": "chat" }, "reply": { "content": "ok" } },
          { "when": { "path": "completions" }, "reply": { "text": " 1" } }
        ]
        """;

    [Fact]
    public async Task Probe_FullStandIn_ReportsEverythingSupported()
    {
        await using var server = await LlmTestKit.Server($$"""{ "models": [ { "id": "stand-in", "context_length": 8192 } ], {{Rules}} }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var c = await client.ProbeAsync(LlmRole.Simulator);

        Assert.True(c.Chat.Supported);
        Assert.True(c.ToolCalls.Supported, c.ToolCalls.Detail);
        Assert.True(c.Logprobs.Supported, c.Logprobs.Detail);
        Assert.Equal(20, c.MaxTopLogprobs);
        Assert.True(c.CompletionsEcho.Supported, c.CompletionsEcho.Detail);
        Assert.True(c.JsonMode.Supported, c.JsonMode.Detail);
        Assert.Equal(8192, c.ContextLength);
        Assert.False(c.FromCache);
    }

    [Fact]
    public async Task Probe_ServerRejectingOrIgnoringFeatures_ReportsEachAsUnsupported()
    {
        await using var server = await LlmTestKit.Server($$"""
            { "capabilities": { "logprobs": "ignore", "tools": "reject", "echo": "ignore", "json_mode": "reject" }, {{Rules}} }
            """);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var c = await client.ProbeAsync(LlmRole.Simulator);

        Assert.True(c.Chat.Supported);
        Assert.False(c.ToolCalls.Supported);
        Assert.Contains("400", c.ToolCalls.Detail);
        Assert.False(c.Logprobs.Supported);
        Assert.Contains("ignored", c.Logprobs.Detail);
        Assert.Null(c.MaxTopLogprobs);
        Assert.False(c.CompletionsEcho.Supported);
        Assert.Contains("echo ignored", c.CompletionsEcho.Detail);
        Assert.False(c.JsonMode.Supported);
        Assert.Null(c.ContextLength);
    }

    [Fact]
    public async Task Probe_TopLogprobsCappedAtFive_FallsBackAndReportsFive()
    {
        await using var server = await LlmTestKit.Server($$"""{ "capabilities": { "max_top_logprobs": 5, "echo": "reject" }, {{Rules}} }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var c = await client.ProbeAsync(LlmRole.Judge);

        Assert.True(c.Logprobs.Supported);
        Assert.Equal(5, c.MaxTopLogprobs);
        Assert.False(c.CompletionsEcho.Supported);
        Assert.Contains("400", c.CompletionsEcho.Detail);
    }

    [Fact]
    public async Task Probe_SecondCall_ComesFromTheCacheUntilRefreshOrExpiry()
    {
        await using var server = await LlmTestKit.Server($$"""{ {{Rules}} }""");
        var options = LlmTestKit.Options(server.BaseUrl);
        using var client = LlmTestKit.Client(options);

        await client.ProbeAsync(LlmRole.Judge);
        int after1 = server.RequestCount;
        var cached = await client.ProbeAsync(LlmRole.Judge);
        Assert.True(cached.FromCache);
        Assert.Equal(after1, server.RequestCount);

        var fresh = await client.ProbeAsync(LlmRole.Judge, refresh: true);
        Assert.False(fresh.FromCache);
        Assert.Equal(2 * after1, server.RequestCount);

        using var shortTtl = LlmTestKit.Client(options with { ProbeTtlHours = 1e-9 }, store: client.Store);
        Assert.False((await shortTtl.ProbeAsync(LlmRole.Judge)).FromCache);
    }

    [Fact]
    public async Task Probe_SendMaxTokensOff_ChatRequestsCarryOnlyMaxCompletionTokens()
    {
        // OpenAI reasoning models reject max_tokens: with send_max_tokens false the probe must not send it either.
        await using var server = await LlmTestKit.Server($$"""{ {{Rules}} }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { SendMaxTokens = false }));

        await client.ProbeAsync(LlmRole.Judge);

        var chats = server.Requests.Where(r => r.Path == "chat").ToList();
        Assert.Equal(4, chats.Count);
        Assert.All(chats, r => Assert.Null(r.Body!["max_tokens"]));
        Assert.All(chats, r => Assert.NotNull(r.Body!["max_completion_tokens"]));
    }

    [Fact]
    public async Task Probe_UnreachableEndpoint_FailsAndCachesNothing()
    {
        using var client = LlmTestKit.Client(LlmTestKit.Options(new Uri("http://127.0.0.1:9/v1"), e => e with { Retry = e.Retry with { MaxAttempts = 2 } }));

        var e = await Assert.ThrowsAsync<LlmProbeFailedException>(() => client.ProbeAsync(LlmRole.Judge));
        Assert.Equal(Interp.Agent.Llm.Outcomes.LlmFailureKind.Network, e.Failure.Kind);
        Assert.Null(client.Store.GetProbe("http://127.0.0.1:9/v1", "stand-in"));
    }
}

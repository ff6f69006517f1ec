// The response cache under concurrency: two identical requests at the same time cost one call (the second waits for the
// first and reads its committed answer), and a waiter whose leader failed makes its own call. Different requests are
// not held back by one another.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Accounting;

public sealed class SingleFlightTests
{
    private static LlmChatRequest Ask(string text) => new([LlmMessage.User(text)]);

    [Fact]
    public async Task ChatAsync_SameRequestTwiceAtOnce_OneCallTheOtherFromCache()
    {
        await using var server = await LlmTestKit.Server("""{ "latency_ms": 300, "rules": [ { "when": { "path": "chat" }, "reply": { "content": "same answer" } } ] }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var ctx = new LlmCallContext("sf") { Cache = LlmCacheMode.Use };

        var both = await Task.WhenAll(client.ChatAsync(LlmRole.Explainer, Ask("feature 7?"), ctx), client.ChatAsync(LlmRole.Explainer, Ask("feature 7?"), ctx));

        Assert.Single(server.Requests);
        Assert.All(both, o => Assert.Equal("same answer", o.Value.Content));
        Assert.Equal(1, both.Count(o => o.Info.FromCache));
        var s = client.Ledger.Summarize("sf");
        Assert.Equal((2, 1), (s.Calls, s.CachedCalls));
    }

    [Fact]
    public async Task ChatAsync_DifferentRequestsAtOnce_BothSent()
    {
        await using var server = await LlmTestKit.Server("""{ "latency_ms": 300, "rules": [ { "when": { "path": "chat" }, "reply": { "content": "ok" } } ] }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var ctx = new LlmCallContext("sf2") { Cache = LlmCacheMode.Use };

        await Task.WhenAll(client.ChatAsync(LlmRole.Explainer, Ask("a"), ctx), client.ChatAsync(LlmRole.Explainer, Ask("b"), ctx));

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(2, server.PeakConcurrency);   // neither waited for the other
    }

    [Fact]
    public async Task ChatAsync_LeaderFails_WaiterMakesItsOwnCall()
    {
        await using var server = await LlmTestKit.Server("""
            { "latency_ms": 300, "rules": [
              { "when": { "path": "chat" }, "times": 1, "fault": { "kind": "status", "status": 400 } },
              { "when": { "path": "chat" }, "reply": { "content": "ok" } } ] }
            """);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var ctx = new LlmCallContext("sf3") { Cache = LlmCacheMode.Use };

        var both = await Task.WhenAll(client.ChatAsync(LlmRole.Explainer, Ask("x"), ctx), client.ChatAsync(LlmRole.Explainer, Ask("x"), ctx));

        Assert.Equal(2, server.Requests.Count);   // the failure was not cached, so the second asked itself
        Assert.Equal(1, both.Count(o => o.Succeeded));
        Assert.DoesNotContain(both, o => o.Info.FromCache);
    }

    [Fact]
    public async Task ChatAsync_CacheOff_IdenticalRequestsBothSent()
    {
        await using var server = await LlmTestKit.Server("""{ "latency_ms": 200, "rules": [ { "when": { "path": "chat" }, "reply": { "content": "ok" } } ] }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var ctx = new LlmCallContext("sf4") { Cache = LlmCacheMode.Off };

        await Task.WhenAll(client.ChatAsync(LlmRole.Explainer, Ask("x"), ctx), client.ChatAsync(LlmRole.Explainer, Ask("x"), ctx));

        Assert.Equal(2, server.Requests.Count);
    }
}

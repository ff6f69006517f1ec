// The response cache (a second identical run makes zero requests; --no-cache / --refresh; committed before use),
// usage and cost per call summed per run, role and feature, and a budget that stops work in the over-budget state
// and lets a later run with a larger budget continue.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Store;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Accounting;

public sealed class CacheAndBudgetTests
{
    private static LlmChatRequest Ask(int feature, string version = "explainer-v1") =>
        new([LlmMessage.System("explain"), LlmMessage.User($"feature {feature} fires on cats")]) { PromptVersion = version, Sampling = new() { MaxTokens = 8 } };

    [Fact]
    public async Task ChatAsync_SecondIdenticalRun_MakesZeroRequests()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("[EXPLANATION]: cats"));
        string db = LlmTestKit.TempDb();
        try
        {
            using (var run1 = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db)))
                for (int f = 0; f < 5; f++) Assert.True((await run1.ChatAsync(LlmRole.Explainer, Ask(f), new LlmCallContext("r1"))).Succeeded);
            Assert.Equal(5, server.RequestCount);

            server.ResetRecording();
            using var run2 = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db));
            var outcomes = new List<LlmOutcome<LlmChatResult>>();
            for (int f = 0; f < 5; f++) outcomes.Add(await run2.ChatAsync(LlmRole.Explainer, Ask(f), new LlmCallContext("r2")));

            Assert.Equal(0, server.RequestCount);
            Assert.All(outcomes, o => Assert.True(o.Info.FromCache));
            Assert.All(outcomes, o => Assert.Equal("[EXPLANATION]: cats", o.Value.Content));
            Assert.All(outcomes, o => Assert.Equal(LlmUsage.Zero, o.Usage));
            var s = run2.Ledger.Summarize("r2");
            Assert.Equal(5, s.CachedCalls);
            Assert.Equal(0, s.Billed.TotalTokens);
        }
        finally { LlmTestKit.DeleteDb(db); }
    }

    [Fact]
    public async Task ChatAsync_AnyKeyPartChanged_IsAMiss()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script());
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var baseReq = Ask(1);

        await client.ChatAsync(LlmRole.Explainer, baseReq);
        await client.ChatAsync(LlmRole.Explainer, baseReq);                                            // hit
        await client.ChatAsync(LlmRole.Explainer, Ask(1, "explainer-v2"));                             // prompt version
        await client.ChatAsync(LlmRole.Explainer, baseReq with { Sampling = new() { MaxTokens = 8, Seed = 7 } }); // seed
        await client.ChatAsync(LlmRole.Explainer, baseReq with { Sampling = new() { MaxTokens = 8, Temperature = 0.5 } });
        await client.ChatAsync(LlmRole.Explainer, baseReq with { Logprobs = true, TopLogprobs = 3 });
        await client.ChatAsync(LlmRole.Judge, baseReq);                                                // role
        await client.ChatAsync(LlmRole.Explainer, baseReq with { Messages = [.. baseReq.Messages, LlmMessage.User("more")] });

        Assert.Equal(7, server.RequestCount);
    }

    [Fact]
    public async Task ChatAsync_NoCacheAndRefresh_BehaveAsTheirFlags()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script());
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        await client.ChatAsync(LlmRole.Explainer, Ask(1), new LlmCallContext("r") { Cache = LlmCacheMode.Off });
        Assert.Equal(0, client.Store.CountResponses());                       // --no-cache writes nothing
        await client.ChatAsync(LlmRole.Explainer, Ask(1));
        Assert.Equal(1, client.Store.CountResponses());
        await client.ChatAsync(LlmRole.Explainer, Ask(1), new LlmCallContext("r") { Cache = LlmCacheMode.Off }); // and reads nothing
        await client.ChatAsync(LlmRole.Explainer, Ask(1), new LlmCallContext("r") { Cache = LlmCacheMode.Refresh });
        var hit = await client.ChatAsync(LlmRole.Explainer, Ask(1));

        Assert.Equal(4, server.RequestCount);                                 // off, use (miss), off, refresh; then a hit
        Assert.True(hit.Info.FromCache);
    }

    [Fact]
    public async Task ChatAsync_Success_IsCommittedBeforeItIsReturned()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("committed"));
        string db = LlmTestKit.TempDb();
        try
        {
            using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db));
            var o = await client.ChatAsync(LlmRole.Explainer, Ask(3));

            // A second connection (another process, or this one after a kill) already sees the row.
            using var other = LlmStore.Open(db);
            Assert.True(other.TryGetResponse(o.Info.CacheKey!, out string body));
            Assert.Contains("committed", body);
        }
        finally { LlmTestKit.DeleteDb(db); }
    }

    [Fact]
    public async Task ChatAsync_FailedCall_IsNotCached()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "times": 1, "fault": { "kind": "status", "status": 400 } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var first = await client.ChatAsync(LlmRole.Explainer, Ask(1));
        var second = await client.ChatAsync(LlmRole.Explainer, Ask(1));

        Assert.False(first.Succeeded);
        Assert.True(second.Succeeded);
        Assert.False(second.Info.FromCache);
    }

    [Fact]
    public async Task Ledger_UsageAndCost_SummedPerRunRoleAndFeature()
    {
        // Stand-in usage: prompt = Σ (4 + pieces) over messages; completion = pieces of the content.
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("one two three"));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var a = await client.ChatAsync(LlmRole.Explainer, new LlmChatRequest([LlmMessage.User("a b")]), new LlmCallContext("run") { FeatureKey = "f1" });
        var b = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("a b c d")]), new LlmCallContext("run") { FeatureKey = "f2" });
        await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("x")]), new LlmCallContext("other"));

        Assert.Equal(new LlmUsage(6, 3, (6 * 2.0 + 3 * 8.0) / 1e6), a.Usage);
        Assert.Equal(new LlmUsage(8, 3, (8 * 2.0 + 3 * 8.0) / 1e6), b.Usage);
        var s = client.Ledger.Summarize("run");
        Assert.Equal(2, s.Calls);
        Assert.Equal(20, s.Billed.TotalTokens);
        Assert.Equal((14 * 2.0 + 6 * 8.0) / 1e6, s.Billed.Cost!.Value, 15);
        Assert.Equal(9, s.ByRole["explainer"].TotalTokens);
        Assert.Equal(11, s.ByFeature["f2"].TotalTokens);
    }

    [Fact]
    public async Task Budget_RunStopsOverBudgetAndALargerBudgetContinues()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("[EXPLANATION]: cats"));
        string db = LlmTestKit.TempDb();
        try
        {
            // Each call reserves body bytes / 4 + max_tokens (8) and costs ~12 tokens at the stand-in; 150 tokens fit a few calls, not ten.
            var results1 = new Dictionary<int, LlmOutcome<LlmChatResult>>();
            using (var run1 = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db)))
            {
                var budget = LlmBudget.ForRun("label-1", run1.Ledger, maxTokens: 150);
                for (int f = 0; f < 10 && !budget.IsExhausted; f++)
                    results1[f] = await run1.ChatAsync(LlmRole.Explainer, Ask(f), new LlmCallContext("label-1") { FeatureKey = $"f{f}", Budget = budget });
                Assert.True(budget.IsExhausted);
                Assert.True(budget.SpentTokens <= 150);
            }
            int done1 = results1.Values.Count(o => o.Succeeded);
            Assert.InRange(done1, 1, 9);
            Assert.Equal(LlmFailureKind.OverBudget, results1.Values.Last().Failure!.Kind);
            Assert.Equal(done1, server.RequestCount);                 // the over-budget call was never sent

            server.ResetRecording();
            using var run2 = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db));
            var budget2 = LlmBudget.ForRun("label-1", run2.Ledger, maxTokens: 10_000);
            Assert.Equal(run2.Ledger.Summarize("label-1").Billed.TotalTokens, budget2.SpentTokens); // continues from what run 1 spent
            var results2 = new List<LlmOutcome<LlmChatResult>>();
            for (int f = 0; f < 10; f++)
                results2.Add(await run2.ChatAsync(LlmRole.Explainer, Ask(f), new LlmCallContext("label-1") { FeatureKey = $"f{f}", Budget = budget2 }));

            Assert.All(results2, o => Assert.True(o.Succeeded));
            Assert.Equal(10 - done1, server.RequestCount);            // the done features came from the cache
            Assert.Equal(done1, results2.Count(o => o.Info.FromCache));
            Assert.Equal(1, run2.Ledger.Summarize("label-1").FailuresByKind["over_budget"]);
        }
        finally { LlmTestKit.DeleteDb(db); }
    }

    [Fact]
    public async Task Budget_MoneyWithoutAPrice_IsAConfigError()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script());
        var options = LlmTestKit.Options(server.BaseUrl);
        options.Prices.Clear();
        using var client = LlmTestKit.Client(options);

        await Assert.ThrowsAsync<Interp.Agent.Llm.Options.LlmConfigException>(() =>
            client.ChatAsync(LlmRole.Explainer, Ask(1), new LlmCallContext("r") { Budget = new LlmBudget(maxCost: 1.0) }));
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task Budget_Money_StopsBeforeTheLimit()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("[EXPLANATION]: cats"));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var budget = new LlmBudget(maxCost: 0.0005); // 2 and 8 per million: a call reserves ~ (bytes/4)·2e-6

        var outcomes = new List<LlmOutcome<LlmChatResult>>();
        for (int f = 0; f < 50 && !budget.IsExhausted; f++)
            outcomes.Add(await client.ChatAsync(LlmRole.Explainer, Ask(f), new LlmCallContext("m") { Budget = budget }));

        Assert.True(budget.IsExhausted);
        Assert.True(budget.SpentCost <= 0.0005);
        Assert.Equal(LlmFailureKind.OverBudget, outcomes[^1].Failure!.Kind);
        Assert.Equal(outcomes.Count - 1, server.RequestCount);
    }
}

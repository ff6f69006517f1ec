// Calls that wait out an open circuit (LlmCallContext.WaitOutOpenCircuit, as a labeling run's): the open circuit delays
// them instead of failing them; attempts it refused do not use up the call's retries, so a call ends with its own real
// outcome; and a dead endpoint still ends them promptly (circuit_breaker.down_after_opens) with the last real failure in
// the reason. Against the stand-in over loopback HTTP with real time (breaks of 0.5–2 s).
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Resilience;

public sealed class CircuitWaitTests
{
    private static readonly LlmChatRequest Hello = new([LlmMessage.User("hello")]);
    private static readonly LlmCallContext Waiting = new("circuit-wait") { WaitOutOpenCircuit = true, Cache = LlmCacheMode.Off };
    private static readonly LlmCallContext Plain = new("circuit-plain") { Cache = LlmCacheMode.Off };

    private static LlmClient Client(StandInServerRef s, int maxAttempts, double breakS, int downAfter) =>
        LlmTestKit.Client(LlmTestKit.Options(s.Url, e => e with
        {
            RequestTimeoutS = 30,   // the kit's 2 s per attempt can run out on a loaded machine: a timeout is not what these tests are about
            Retry = e.Retry with { MaxAttempts = maxAttempts },
            CircuitBreaker = new() { FailureRatio = 0.5, MinimumThroughput = 4, SamplingS = 60, BreakS = breakS, DownAfterOpens = downAfter },
        }));

    private sealed record StandInServerRef(Uri Url);

    [Fact]
    public async Task WaitingCall_CircuitOpen_WaitsForTheBreakAndSucceeds_WhilePlainCallFailsAtOnce()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "times": 4, "fault": { "kind": "status", "status": 500 } }"""));
        using var client = Client(new(server.BaseUrl), maxAttempts: 1, breakS: 0.5, downAfter: 3);

        for (int i = 0; i < 4; i++) Assert.Equal(LlmFailureKind.HttpStatus, (await client.ChatAsync(LlmRole.Judge, Hello, Plain)).Failure!.Kind);
        var plain = await client.ChatAsync(LlmRole.Judge, Hello, Plain);
        Assert.Equal(LlmFailureKind.CircuitOpen, plain.Failure!.Kind);
        Assert.Contains("endpoint 'stand'", plain.Failure.Message);
        Assert.Contains("last failure: HTTP 500", plain.Failure.Message);
        Assert.Equal(4, server.RequestCount);          // refused: nothing sent

        var waited = await client.ChatAsync(LlmRole.Judge, Hello, Waiting);

        Assert.True(waited.Succeeded, waited.Failure?.ToString());
        Assert.Equal("ok", waited.Value.Content);
        Assert.Equal(5, server.RequestCount);          // one request: the half-open probe, after the break
        var health = Assert.Single(client.Circuits());
        Assert.Equal(1, health.Opened);
        Assert.True(health.Waits >= 1);
        Assert.Equal(0, health.OpenStreak);            // the probe succeeded: closed
        Assert.False(health.IsDown);
    }

    [Fact]
    public async Task WaitingCall_RefusedAttemptsDoNotCount_EndsWithItsOwnHttpFailureAfterItsAttempts()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "status", "status": 503 } }"""));
        using var client = Client(new(server.BaseUrl), maxAttempts: 2, breakS: 0.5, downAfter: 10);
        for (int i = 0; i < 2; i++) Assert.Equal(LlmFailureKind.HttpStatus, (await client.ChatAsync(LlmRole.Judge, Hello, Plain)).Failure!.Kind);
        Assert.Equal(4, server.RequestCount);          // 2 calls × 2 attempts: the circuit is open now

        var o = await client.ChatAsync(LlmRole.Judge, Hello, Waiting);

        // refused → wait → probe (503, reopens) → refused → wait → probe (503): its two attempts, each sent
        Assert.Equal(LlmFailureKind.HttpStatus, o.Failure!.Kind);
        Assert.Equal(503, o.Failure.Status);
        Assert.Equal(2, o.Info.Attempts);
        Assert.Equal(6, server.RequestCount);
        var health = Assert.Single(client.Circuits());
        Assert.Equal(3, health.Opened);
        Assert.True(health.Waits >= 2);
        Assert.False(health.IsDown);
    }

    [Fact]
    public async Task WaitingCalls_DeadEndpoint_EndPromptlyFailed_CircuitOpenWithTheRealReason_AndLaterCallsDoNotWait()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "status", "status": 502 } }"""));
        using var client = Client(new(server.BaseUrl), maxAttempts: 3, breakS: 2, downAfter: 2);
        var sw = System.Diagnostics.Stopwatch.StartNew();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User($"hello {i}")]), Waiting)));

        // without the down rule these would wait forever (every probe fails); with it: two openings, i.e. about one break
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
        Assert.All(outcomes, o => Assert.False(o.Succeeded));
        Assert.All(outcomes, o => Assert.True(o.Failure!.Kind is LlmFailureKind.HttpStatus or LlmFailureKind.CircuitOpen, o.Failure.ToString()));
        var refused = outcomes.Where(o => o.Failure!.Kind == LlmFailureKind.CircuitOpen).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, o => Assert.Matches(@"endpoint 'stand' is down: its circuit opened [2-9] times in a row", o.Failure!.Message));
        Assert.All(refused, o => Assert.Contains("last failure: HTTP 502", o.Failure!.Message));
        Assert.All(outcomes.Where(o => o.Failure!.Kind == LlmFailureKind.HttpStatus), o => Assert.Equal(502, o.Failure!.Status));
        var health = Assert.Single(client.Circuits());
        Assert.True(health.IsDown);

        // down: a further waiting call does not wait; it is refused at once, or (when a break has run out meanwhile on a
        // slow machine) sends the one half-open probe, which fails and leaves the endpoint down
        int sent = server.RequestCount;
        Assert.True(sent < 8 * 3, $"{sent} requests: the breaker let every attempt through");
        var later = await client.ChatAsync(LlmRole.Judge, Hello, Waiting);
        Assert.Equal(LlmFailureKind.CircuitOpen, later.Failure!.Kind);
        Assert.Contains("is down", later.Failure.Message);
        Assert.InRange(server.RequestCount - sent, 0, 1);
    }
}

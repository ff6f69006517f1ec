// The fault matrix, end to end: LlmClient → SK's OpenAI connector → role handler → Polly → real HTTP → the stand-in.
// Each row injects one fault and asserts retried / not retried / given up, the attempts, the exact retry delays
// (10 ms base doubling, no jitter) and how many requests reached the stand-in.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Resilience;

public sealed class FaultMatrixTests
{
    public sealed record Row(string Name, string Rule, LlmFailureKind? Kind, int? Status, int Attempts, int[] DelaysMs, double TimeoutS = 2)
    {
        public override string ToString() => Name;
    }

    private const string Chat = "\"when\": { \"path\": \"chat\" }";

    public static TheoryData<Row> Rows => new()
    {
        new("429 retry-after-ms twice, then ok: retried, server's delay", $$"""{ {{Chat}}, "times": 2, "fault": { "kind": "status", "status": 429, "retry_after_ms": 30 } }""", null, null, 3, [30, 30]),
        new("503 twice, then ok: retried with backoff", $$"""{ {{Chat}}, "times": 2, "fault": { "kind": "status", "status": 503 } }""", null, null, 3, [10, 20]),
        new("500 always: given up after 4 attempts", $$"""{ {{Chat}}, "fault": { "kind": "status", "status": 500 } }""", LlmFailureKind.HttpStatus, 500, 4, [10, 20, 40]),
        new("502 always: given up", $$"""{ {{Chat}}, "fault": { "kind": "status", "status": 502 } }""", LlmFailureKind.HttpStatus, 502, 4, [10, 20, 40]),
        new("429 Retry-After 120 s over the 5 s cap: not retried", $$"""{ {{Chat}}, "fault": { "kind": "status", "status": 429, "retry_after_s": 120 } }""", LlmFailureKind.HttpStatus, 429, 1, []),
        new("429 insufficient_quota: not retried", $$"""{ {{Chat}}, "fault": { "kind": "quota" } }""", LlmFailureKind.HttpStatus, 429, 1, []),
        new("400 bad request: not retried", $$"""{ {{Chat}}, "fault": { "kind": "status", "status": 400 } }""", LlmFailureKind.HttpStatus, 400, 1, []),
        new("401 unauthorized: not retried", $$"""{ {{Chat}}, "fault": { "kind": "status", "status": 401 } }""", LlmFailureKind.HttpStatus, 401, 1, []),
        new("404 not found: not retried", $$"""{ {{Chat}}, "fault": { "kind": "status", "status": 404 } }""", LlmFailureKind.HttpStatus, 404, 1, []),
        new("context overflow (400): not retried", $$"""{ {{Chat}}, "fault": { "kind": "context_overflow" } }""", LlmFailureKind.ContextOverflow, 400, 1, []),
        new("connection reset once: retried", $$"""{ {{Chat}}, "times": 1, "fault": { "kind": "reset" } }""", null, null, 2, [10]),
        new("connection reset always: given up", $$"""{ {{Chat}}, "fault": { "kind": "reset" } }""", LlmFailureKind.Network, null, 4, [10, 20, 40]),
        new("delay past the timeout once: retried", $$"""{ {{Chat}}, "times": 1, "fault": { "kind": "delay", "delay_ms": 1500 }, "reply": { "content": "late" } }""", null, null, 2, [10], 0.3),
        new("delay past the timeout always: given up", $$"""{ {{Chat}}, "fault": { "kind": "delay", "delay_ms": 1500 }, "reply": { "content": "late" } }""", LlmFailureKind.Timeout, null, 4, [10, 20, 40], 0.3),
        new("body cut short (Content-Length) always: given up", $$"""{ {{Chat}}, "fault": { "kind": "truncated_stream" } }""", LlmFailureKind.Network, null, 4, [10, 20, 40]),
        new("malformed JSON with 200: not retried", $$"""{ {{Chat}}, "fault": { "kind": "malformed_json" } }""", LlmFailureKind.MalformedResponse, null, 1, []),
        new("refusal: not retried", $$"""{ {{Chat}}, "reply": { "refusal": "I can't help with that." } }""", LlmFailureKind.Refused, null, 1, []),
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task ChatAsync_Fault_RetriedOrGivenUpAsExpected(Row row)
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok", row.Rule));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = row.TimeoutS }));

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("hello")]));

        Assert.Equal(row.Kind is null, o.Succeeded);
        if (row.Kind is { } kind)
        {
            Assert.Equal(kind, o.Failure!.Kind);
            Assert.Equal(row.Status, o.Failure.Status);
            Assert.Throws<LlmCallFailedException>(() => o.Value);
            if (row.Status is not null) Assert.False(string.IsNullOrEmpty(o.Failure.Body)); // the body is kept
        }
        else Assert.False(string.IsNullOrEmpty(o.Value.Content));
        Assert.Equal(row.Attempts, o.Info.Attempts);
        Assert.Equal(row.DelaysMs, o.Info.RetryDelays.Select(d => (int)Math.Round(d.TotalMilliseconds)).ToArray());
        // The client may give up on an attempt (timeout) before the server has logged its arrival; wait for the server's
        // count to settle (at most 2 s) before comparing, so a loaded machine cannot race the log.
        for (var settle = DateTime.UtcNow.AddSeconds(2); server.RequestCount < row.Attempts && DateTime.UtcNow < settle;)
            await Task.Delay(20);
        Assert.Equal(row.Attempts, server.RequestCount);
        var summary = client.Ledger.Summarize("adhoc");
        Assert.Equal(row.Kind is null ? 0 : 1, summary.FailedCalls);
    }

    [Fact]
    public async Task ChatAsync_OneAttemptConfigured_TheSdkDoesNotRetryBehindPolly()
    {
        // The OpenAI SDK alone retries a 503 three times; with its policy off and max_attempts 1, exactly one request is sent.
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "status", "status": 503 } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { Retry = e.Retry with { MaxAttempts = 1 } }));

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("hello")]));

        Assert.Equal(503, o.Failure!.Status);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task ChatAsync_RetryAfterSeconds_WaitsExactlyThatLong()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "times": 1, "fault": { "kind": "status", "status": 429, "retry_after_s": 1 } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("hello")]));

        Assert.True(o.Succeeded);
        Assert.Equal([TimeSpan.FromSeconds(1)], o.Info.RetryDelays);
        var r = server.Requests;
        // Timer granularity: a delay may end up to a few ms early against the wall clock the stand-in stamps.
        const double timerToleranceMs = 15;
        Assert.True((r[1].ReceivedAt - r[0].ReceivedAt).TotalMilliseconds >= 1000 - timerToleranceMs,
            $"second attempt came {(r[1].ReceivedAt - r[0].ReceivedAt).TotalMilliseconds} ms after the first");
    }

    [Fact]
    public async Task ChatAsync_Backoff_AttemptsAreSpacedByTheSchedule()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "status", "status": 503 } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with
        {
            Retry = e.Retry with { BaseDelayMs = 100, MaxDelayMs = 250, MaxAttempts = 4 },
        }));

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("hello")]));

        Assert.Equal(LlmFailureKind.HttpStatus, o.Failure!.Kind);
        int[] expected = [100, 200, 250]; // 100·2^k capped at 250
        Assert.Equal(expected, o.Info.RetryDelays.Select(d => (int)d.TotalMilliseconds).ToArray());
        var r = server.Requests;
        const double timerToleranceMs = 15;
        for (int i = 1; i < r.Count; i++)
            Assert.True((r[i].ReceivedAt - r[i - 1].ReceivedAt).TotalMilliseconds >= expected[i - 1] - timerToleranceMs);
    }

    [Fact]
    public async Task ChatAsync_RepeatedServerErrors_OpenTheCircuitAndLaterCallsAreNotSent()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "status", "status": 500 } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with
        {
            Retry = e.Retry with { MaxAttempts = 1 },
            CircuitBreaker = new() { FailureRatio = 0.5, MinimumThroughput = 4, SamplingS = 30, BreakS = 30 },
        }));
        var req = new LlmChatRequest([LlmMessage.User("hello")]);

        for (int i = 0; i < 4; i++) Assert.Equal(LlmFailureKind.HttpStatus, (await client.ChatAsync(LlmRole.Judge, req)).Failure!.Kind);
        var fifth = await client.ChatAsync(LlmRole.Judge, req);

        Assert.Equal(LlmFailureKind.CircuitOpen, fifth.Failure!.Kind);
        Assert.Equal(4, server.RequestCount);
    }

    [Fact]
    public async Task ChatAsync_CancelledDuringBackoff_EndsCancelledPromptly()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "status", "status": 500 } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with
        {
            Retry = e.Retry with { BaseDelayMs = 10_000, MaxDelayMs = 10_000 },
        }));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var sw = System.Diagnostics.Stopwatch.StartNew();

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("hello")]), ct: cts.Token);

        Assert.Equal(LlmFailureKind.Cancelled, o.Failure!.Kind);
        Assert.Equal(1, server.RequestCount);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed} although the backoff was 10 s"); // would be >= 10 s if not honoured
    }

    [Fact]
    public async Task ChatAsync_CancelledWhileWaitingForTheServer_EndsCancelled()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("ok",
            """{ "when": { "path": "chat" }, "fault": { "kind": "delay", "delay_ms": 1500 }, "reply": { "content": "late" } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User("hello")]), ct: cts.Token);

        Assert.Equal(LlmFailureKind.Cancelled, o.Failure!.Kind);
        Assert.Equal(1, server.RequestCount);
    }
}

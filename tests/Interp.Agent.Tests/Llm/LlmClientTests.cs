// LlmClient against the stand-in: what reaches the wire (max_tokens beside max_completion_tokens, sampling, logprobs,
// keys), what comes back (logprobs, legacy echo, embeddings), the concurrency limit, and config errors that are loud.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Wire;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Tests.Llm;

public sealed class LlmClientTests
{
    [Fact]
    public async Task ChatAsync_MaxTokensSet_SendsBothMaxTokenFields()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("a b c d e f g h i j"));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var o = await client.ChatAsync(LlmRole.Explainer, new LlmChatRequest([LlmMessage.User("hi")]) { Sampling = new() { MaxTokens = 3 } });

        var body = server.Requests.Single().Body!;
        Assert.Equal(3, (int)body["max_completion_tokens"]!);
        Assert.Equal(3, (int)body["max_tokens"]!);
        Assert.Equal("length", o.Value.FinishReason); // the stand-in honoured the limit
        Assert.Equal("a b c", o.Value.Content);
    }

    [Fact]
    public async Task ChatAsync_SendMaxTokensOff_SendsOnlyMaxCompletionTokens()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script());
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { SendMaxTokens = false }));

        await client.ChatAsync(LlmRole.Explainer, new LlmChatRequest([LlmMessage.User("hi")]) { Sampling = new() { MaxTokens = 3 } });

        var body = server.Requests.Single().Body!;
        Assert.Equal(3, (int)body["max_completion_tokens"]!);
        Assert.Null(body["max_tokens"]);
    }

    [Fact]
    public async Task ChatAsync_SamplingAndLogprobs_ReachTheWireAndComeBackParsed()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("1", """
            { "when": { "path": "chat", "logprobs": true }, "reply": { "content": "1", "top_logprobs": { "1": -0.2, "0": -1.8, "x": -6 } } }
            """));
        var options = LlmTestKit.Options(server.BaseUrl);
        options.Roles["judge"] = options.Roles["judge"] with { Sampling = new LlmSampling { Temperature = 0, Seed = 42, TopP = 0.9 } };
        using var client = LlmTestKit.Client(options);

        var o = await client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.System("judge"), LlmMessage.User("fires?")])
        { Logprobs = true, TopLogprobs = 2, Sampling = new() { MaxTokens = 1 } });

        var body = server.Requests.Single().Body!;
        Assert.Equal(0.0, (double)body["temperature"]!);
        Assert.Equal(42, (long)body["seed"]!);
        Assert.Equal(0.9, (double)body["top_p"]!, 6);
        Assert.True((bool)body["logprobs"]!);
        Assert.Equal(2, (int)body["top_logprobs"]!);
        Assert.Equal("stand-in", (string)body["model"]!);
        var lp = o.Value.Logprobs!.Single();
        Assert.Equal("1", lp.Token);
        Assert.Equal(-0.2, lp.Logprob, 12);
        Assert.Equal(["1", "0"], lp.Top.Select(t => t.Token));
        var p = LogprobReaders.BinaryProbability(lp.Top);
        Assert.Equal(Math.Exp(-0.2) / (Math.Exp(-0.2) + Math.Exp(-1.8)), p.Value, 12);
    }

    [Fact]
    public async Task ChatAsync_ApiKeyEnv_SendsTheKeyAndNoKeyMeansNoHeader()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script());
        var keyed = LlmTestKit.Options(server.BaseUrl, e => e with { ApiKeyEnv = "TEST_LLM_KEY" });
        using (var client = LlmTestKit.Client(keyed, env: n => n == "TEST_LLM_KEY" ? "secret-123" : null))
            Assert.True((await client.ChatAsync(LlmRole.Agent, new LlmChatRequest([LlmMessage.User("hi")]))).Succeeded);
        using (var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl)))
            Assert.True((await client.ChatAsync(LlmRole.Agent, new LlmChatRequest([LlmMessage.User("hi")]))).Succeeded);

        Assert.Equal("Bearer secret-123", server.Requests[0].Authorization);
        Assert.Null(server.Requests[1].Authorization);
    }

    [Fact]
    public void Runtime_KeyVariableMissing_ConfigErrorNamesVariableAndKey()
    {
        var options = LlmTestKit.Options(new Uri("http://127.0.0.1:9/v1"), e => e with { ApiKeyEnv = "NOT_SET_ANYWHERE" });
        using var client = LlmTestKit.Client(options);

        var e = Assert.Throws<LlmConfigException>(() => client.CreateKernel(LlmRole.Agent));
        Assert.Contains("NOT_SET_ANYWHERE", e.Message);
        Assert.Contains("api_key_env", e.Message);
    }

    [Fact]
    public async Task ChatAsync_RoleNotConfigured_ConfigErrorNotAnOutcome()
    {
        var options = LlmTestKit.Options(new Uri("http://127.0.0.1:9/v1"));
        options.Roles.Remove("simulator");
        using var client = LlmTestKit.Client(options);

        var e = await Assert.ThrowsAsync<LlmConfigException>(() => client.ChatAsync(LlmRole.Simulator, new LlmChatRequest([LlmMessage.User("x")])));
        Assert.Contains("roles.simulator", e.Message);
    }

    [Fact]
    public async Task ChatAsync_ParsedWrongLength_MalformedOutputRawKeptAndNextRunAsksAgain()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("```json\n[1, 2, 3]\n```"));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var req = new LlmChatRequest([LlmMessage.User("five numbers")]);

        var o = await client.ChatAsync(LlmRole.Simulator, req, t => OutputParsers.NumberArray(t, expectedLength: 5));
        var again = await client.ChatAsync(LlmRole.Simulator, req, t => OutputParsers.NumberArray(t, expectedLength: 5));

        Assert.Equal(LlmFailureKind.MalformedOutput, o.Failure!.Kind);
        Assert.Contains("3 elements, expected 5", o.Failure.Message);
        Assert.Equal("```json\n[1, 2, 3]\n```", o.Raw);
        Assert.Throws<LlmCallFailedException>(() => o.Value);
        Assert.False(again.Info.FromCache);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task ChatAsync_ConcurrencyLimit_PeakAtTheServerIsTheLimit()
    {
        await using var server = await LlmTestKit.Server("""{ "latency_ms": 100, "rules": [ { "when": { "path": "chat" }, "reply": { "content": "ok" } } ] }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { MaxConcurrency = 3 }));
        var ctx = new LlmCallContext("conc") { Cache = LlmCacheMode.Off };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            client.ChatAsync(LlmRole.Judge, new LlmChatRequest([LlmMessage.User($"q{i}")]), ctx)));

        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(12, server.RequestCount);
        Assert.Equal(3, server.PeakConcurrency);
        // the slot meter saw every attempt, none is left on the wire, and each held its slot at least the server's latency
        var use = Assert.Single(client.SlotUse());
        Assert.Equal("stand", use.Endpoint);
        Assert.Equal(12, use.Attempts);
        Assert.Equal(0, use.InFlight);
        Assert.InRange(use.BusySeconds, 12 * 0.1, 12 * 60.0);
    }

    [Fact]
    public async Task CompleteAsync_EchoWithLogprobs_CoversThePromptWithNullFirstEntry()
    {
        await using var server = await LlmTestKit.Server("""
            { "rules": [ { "when": { "path": "completions" }, "reply": { "text": " 7", "top_logprobs": { "0": -3.0, "7": -0.1 } } } ] }
            """);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));

        var o = await client.CompleteAsync(LlmRole.Simulator, new LlmCompletionRequest("cat unknown dog") { Echo = true, Logprobs = 2, MaxTokens = 1 });

        var r = o.Value;
        Assert.Equal(["cat", " unknown", " dog", " 7"], r.Tokens);
        Assert.Null(r.TokenLogprobs[0]);
        Assert.Null(r.TopLogprobs[0]);
        Assert.Equal([0, 3, 11, 15], r.TextOffsets);
        var last = r.TopLogprobs[^1]!;
        Assert.Equal(2, last.Count);
        Assert.Equal(-0.1, last[" 7"], 12);
        var body = server.Requests.Single().Body!;
        Assert.True((bool)body["echo"]!);
        Assert.Equal(2, (int)body["logprobs"]!);
        Assert.Equal(1, (int)body["max_tokens"]!);
    }

    [Fact]
    public async Task EmbeddingGenerator_EmbeddingsRole_DeterministicVectorsThroughThePipeline()
    {
        await using var server = await LlmTestKit.Server("""{ "embedding_dimensions": 16, "rules": [] }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        IEmbeddingGenerator<string, Embedding<float>> gen = new LlmEmbeddingGenerator(client);

        var a = await gen.GenerateAsync(["cats", "revenue"]);
        var b = await gen.GenerateAsync(["cats", "revenue"], new EmbeddingGenerationOptions { Dimensions = 16 });

        Assert.Equal(2, a.Count);
        Assert.Equal(16, a[0].Vector.Length);
        Assert.Equal(1.0, Math.Sqrt(a[0].Vector.ToArray().Sum(x => (double)x * x)), 5);
        Assert.Equal(a[0].Vector.ToArray(), b[0].Vector.ToArray());
        Assert.NotEqual(a[0].Vector.ToArray(), a[1].Vector.ToArray());
        Assert.Equal("stand-in", a[0].ModelId);
        Assert.Equal("float", (string)server.Requests[0].Body!["encoding_format"]!);
    }

    [Fact]
    public async Task EmbeddingGenerator_EndpointFails_ThrowsNeverAZeroVector()
    {
        await using var server = await LlmTestKit.Server("""{ "rules": [ { "when": { "path": "embeddings" }, "fault": { "kind": "status", "status": 400 } } ] }""");
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var gen = new LlmEmbeddingGenerator(client);

        var e = await Assert.ThrowsAsync<LlmCallFailedException>(() => gen.GenerateAsync(["cats"]));
        Assert.Equal(400, e.Failure.Status);
    }
}

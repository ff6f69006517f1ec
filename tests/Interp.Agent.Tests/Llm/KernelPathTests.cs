// The SK path the chat investigator will use: a role's Kernel with plugins, automatic function calling, streaming,
// and the MEAI path. Requests go through the same pipeline and are accounted to the scope's run and feature; the
// stand-in echoes tool names as sent (SK: plugin-function, MEAI: plugin_function).
using System.ComponentModel;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace Interp.Agent.Tests.Llm;

public sealed class KernelPathTests
{
    public sealed class FeaturePlugin
    {
        public int Calls;

        [KernelFunction("get_max_activation"), Description("Maximum activation of a feature.")]
        public double GetMaxActivation([Description("Feature index")] int featureId)
        {
            Interlocked.Increment(ref Calls);
            return featureId * 0.5;
        }
    }

    private const string ToolScript = """
        { "rules": [
          { "name": "after-tool", "when": { "path": "chat", "last_role": "tool" }, "reply": { "content": "The maximum activation is 6." } },
          { "name": "call-tool", "when": { "path": "chat", "has_tools": true }, "reply": { "tool_calls": [ { "name": "get_max_activation", "arguments": { "featureId": 12 } } ] } }
        ] }
        """;

    [Fact]
    public async Task Kernel_AutoFunctionCalling_InvokesThePluginAndAccountsBothTurns()
    {
        await using var server = await LlmTestKit.Server(ToolScript);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var kernel = client.CreateKernel(LlmRole.Agent);
        var plugin = new FeaturePlugin();
        kernel.Plugins.AddFromObject(plugin, "features");
        var history = new ChatHistory("You are an interpretability agent.");
        history.AddUserMessage("What is the max activation of feature 12?");

        using (var scope = client.BeginScope(new LlmCallContext("chat-1") { FeatureKey = "session" }))
        {
            var reply = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history,
                new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);
            Assert.Equal("The maximum activation is 6.", reply.Content);
            Assert.Equal(2, scope.Exchanges.Count);
        }

        Assert.Equal(1, plugin.Calls);
        var first = server.Requests[0].Body!;
        Assert.Equal("features-get_max_activation", (string)first["tools"]![0]!["function"]!["name"]!);
        Assert.Equal("call-tool", server.Requests[0].Rule);
        Assert.Equal("after-tool", server.Requests[1].Rule);
        Assert.Equal("6", (string)server.Requests[1].Body!["messages"]!.AsArray().Last()!["content"]!);
        var s = client.Ledger.Summarize("chat-1");
        Assert.Equal(2, s.Calls);
        Assert.True(s.ByFeature["session"].TotalTokens > 0);
    }

    [Fact]
    public async Task ChatClient_MeaiFunctionInvocation_GetsUnderscoreNamesEchoed()
    {
        await using var server = await LlmTestKit.Server(ToolScript);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var kernel = client.CreateKernel(LlmRole.Agent);
        var plugin = new FeaturePlugin();
        kernel.Plugins.AddFromObject(plugin, "features");
        IChatClient chat = new ChatClientBuilder(client.ChatService(LlmRole.Agent).AsChatClient()).UseFunctionInvocation().Build();

        var resp = await chat.GetResponseAsync("feature 12?", new ChatOptions { Tools = [.. kernel.Plugins["features"].AsAIFunctions(kernel)] });

        Assert.Equal("The maximum activation is 6.", resp.Text);
        Assert.Equal(1, plugin.Calls);
        Assert.Equal("features_get_max_activation", (string)server.Requests[0].Body!["tools"]![0]!["function"]!["name"]!);
    }

    [Fact]
    public async Task Kernel_Streaming_ArrivesInPiecesAndIsAccounted()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("one two three four"));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var chat = client.CreateKernel(LlmRole.Agent).GetRequiredService<IChatCompletionService>();

        var pieces = new List<string>();
        using (client.BeginScope(new LlmCallContext("stream")))
            await foreach (var p in chat.GetStreamingChatMessageContentsAsync("hi"))
                if (!string.IsNullOrEmpty(p.Content)) pieces.Add(p.Content);

        Assert.Equal(["one", " two", " three", " four"], pieces);
        Assert.True((bool)server.Requests[0].Body!["stream"]!);
        var s = client.Ledger.Summarize("stream");
        Assert.Equal(1, s.Calls);
        Assert.Equal(0, s.FailedCalls);
        Assert.Equal(4, s.Billed.CompletionTokens);
    }

    [Fact]
    public async Task Kernel_StreamingWithAutoFunctionCalling_StreamsTheToolCallThenTheAnswer()
    {
        await using var server = await LlmTestKit.Server(ToolScript);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var kernel = client.CreateKernel(LlmRole.Agent);
        var plugin = new FeaturePlugin();
        kernel.Plugins.AddFromObject(plugin, "features");
        var history = new ChatHistory();
        history.AddUserMessage("What is the max activation of feature 12?");

        var text = new System.Text.StringBuilder();
        using (client.BeginScope(new LlmCallContext("stream-tools")))
            await foreach (var p in kernel.GetRequiredService<IChatCompletionService>().GetStreamingChatMessageContentsAsync(history,
                               new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel))
                text.Append(p.Content);

        Assert.Equal("The maximum activation is 6.", text.ToString());
        Assert.Equal(1, plugin.Calls);
        Assert.All(server.Requests, r => Assert.True((bool)r.Body!["stream"]!));
        Assert.Equal(2, client.Ledger.Summarize("stream-tools").Calls);
    }

    [Fact]
    public async Task Kernel_StreamEndsBeforeDone_ThrowsInsteadOfAShortAnswer()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("one two three four",
            """{ "when": { "path": "chat", "stream": true }, "fault": { "kind": "truncated_stream" }, "reply": { "content": "one two three four" } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var chat = client.CreateKernel(LlmRole.Agent).GetRequiredService<IChatCompletionService>();

        var pieces = new List<string>();
        Exception? caught = null;
        try
        {
            using (client.BeginScope(new LlmCallContext("trunc")))
                await foreach (var p in chat.GetStreamingChatMessageContentsAsync("hi"))
                    if (!string.IsNullOrEmpty(p.Content)) pieces.Add(p.Content);
        }
        catch (Exception e) { caught = e; }

        Assert.NotNull(caught);
        Assert.True(Chain(caught).Any(x => x is LlmStreamTruncatedException), caught.ToString());
        Assert.Equal(["one", " two"], pieces);
        Assert.Equal(1, client.Ledger.Summarize("trunc").FailuresByKind["network"]);
        Assert.Equal(1, server.RequestCount); // a started stream is not retried
    }

    [Fact]
    public async Task Kernel_StreamStallsPastTheTimeout_ThrowsPromptly()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("one two three four",
            """{ "when": { "path": "chat", "stream": true }, "fault": { "kind": "truncated_stream", "delay_ms": 5000 }, "reply": { "content": "one two three four" } }"""));
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, e => e with { RequestTimeoutS = 0.3 }));
        var chat = client.CreateKernel(LlmRole.Agent).GetRequiredService<IChatCompletionService>();
        var sw = System.Diagnostics.Stopwatch.StartNew();

        Exception? caught = null;
        try { await foreach (var _ in chat.GetStreamingChatMessageContentsAsync("hi")) { } }
        catch (Exception e) { caught = e; }

        Assert.True(Chain(caught).Any(x => x is LlmStreamTruncatedException { Message: var m } && m.Contains("stalled")), caught?.ToString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"took {sw.Elapsed}; the stall was 5 s"); // would wait the full 5 s without the idle timeout
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException) yield return e;
    }
}

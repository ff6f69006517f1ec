// A small suite against a real OpenAI-compatible endpoint, run only when INTERP_LLM_TEST_URL is set (with
// INTERP_LLM_TEST_MODEL, and INTERP_LLM_TEST_KEY_ENV naming the variable that holds the key); skipped with the reason
// otherwise. It checks the things a stand-in cannot prove: the real server's wire format, usage and probe answers.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Probe;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm;

public sealed class RealLlmFactAttribute : FactAttribute
{
    public RealLlmFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("INTERP_LLM_TEST_URL")))
            Skip = "INTERP_LLM_TEST_URL is not set: no real LLM endpoint to test against (set it, INTERP_LLM_TEST_MODEL and INTERP_LLM_TEST_KEY_ENV to run)";
    }
}

public sealed class RealEndpointTests
{
    private static LlmClient Client()
    {
        string url = Environment.GetEnvironmentVariable("INTERP_LLM_TEST_URL")!;
        string model = Environment.GetEnvironmentVariable("INTERP_LLM_TEST_MODEL") ?? "gpt-4o-mini";
        string? keyEnv = Environment.GetEnvironmentVariable("INTERP_LLM_TEST_KEY_ENV");
        var options = LlmTestKit.Options(new Uri(url), e => e with
        {
            ApiKeyEnv = string.IsNullOrEmpty(keyEnv) ? null : keyEnv,
            RequestTimeoutS = 60,
            Retry = new LlmRetryOptions { MaxAttempts = 4 },
        });
        foreach (var r in LlmRoles.All) options.Roles[r.Key()] = options.Roles[r.Key()] with { Model = model };
        return new LlmClient(options, new LlmClientSettings());
    }

    [RealLlmFact]
    public async Task Chat_RealEndpoint_AnswersANumberWithUsage()
    {
        using var client = Client();
        var o = await client.ChatAsync(LlmRole.Judge,
            new LlmChatRequest([LlmMessage.User("What is 2 + 3? Answer with the number only.")]) { Sampling = new() { Temperature = 0, MaxTokens = 5 } },
            t => OutputParsers.Integer(t));
        Assert.True(o.Succeeded, o.ToString());
        Assert.Equal(5, o.Value);
        Assert.True(o.Usage.PromptTokens > 0 && o.Usage.CompletionTokens > 0);
    }

    [RealLlmFact]
    public async Task Probe_RealEndpoint_ChatSupportedAndReportComplete()
    {
        using var client = Client();
        var c = await client.ProbeAsync(LlmRole.Judge, refresh: true);
        Assert.True(c.Chat.Supported);
        Assert.False(string.IsNullOrEmpty(c.Logprobs.Detail));
        Assert.False(string.IsNullOrEmpty(c.CompletionsEcho.Detail));
    }
}

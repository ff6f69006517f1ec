// DI registration for the hosted service: options validated at registration, one client, a Kernel per role (keyed),
// and the embeddings role's generator under its own key.
using System.Text;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Interp.Agent.Tests.Llm;

public sealed class LlmServiceCollectionTests
{
    private static IConfiguration Config(string llm) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("{ \"Llm\": " + llm + " }"))).Build();

    [Fact]
    public async Task AddInterpLlm_Configuration_ResolvesClientKernelAndEmbeddings()
    {
        await using var server = await LlmTestKit.Server("""{ "rules": [ { "when": { "path": "chat" }, "reply": { "content": "hello" } } ] }""");
        var config = Config($$"""
            { "store_path": ":memory:", "endpoints": { "s": { "base_url": "{{server.BaseUrl}}" } },
              "roles": { "agent": { "endpoint": "s", "model": "stand-in" }, "embeddings": { "endpoint": "s", "model": "stand-in" } } }
            """);
        await using var sp = new ServiceCollection().AddInterpLlm(config).BuildServiceProvider();

        var kernel = sp.GetRequiredKeyedService<Kernel>("agent");
        var reply = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync("hi");
        var gen = sp.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(LlmServiceCollectionExtensions.EmbeddingsKey);
        var emb = await gen.GenerateAsync(["x"]);

        Assert.Equal("hello", reply.Content);
        Assert.Equal(64, emb[0].Vector.Length);
        Assert.Same(sp.GetRequiredService<LlmClient>(), sp.GetRequiredService<LlmClient>());
    }

    [Fact]
    public void AddInterpLlm_BadConfiguration_FailsAtRegistration()
    {
        var config = Config("""{ "endpoints": { "s": { "base_url": "nope" } } }""");
        Assert.Throws<LlmConfigException>(() => new ServiceCollection().AddInterpLlm(config));
    }
}

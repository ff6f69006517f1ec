// DI registration of the LLM layer for the hosted service: validated options (at registration, so a bad config
// stops start-up), one LlmClient, a Kernel per role (keyed by role key), and the embeddings role's generator.
using Interp.Agent.Llm.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace Interp.Agent.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>Service key of the embeddings role's generator (MiniLM's offline generator stays unkeyed).</summary>
    public const string EmbeddingsKey = "llm-embeddings";

    public static IServiceCollection AddInterpLlm(this IServiceCollection services, IConfiguration configuration) =>
        services.AddInterpLlm(LlmOptionsLoader.FromConfiguration(configuration));

    public static IServiceCollection AddInterpLlm(this IServiceCollection services, LlmOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(sp => new LlmClient(options, new LlmClientSettings
        {
            LoggerFactory = sp.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        }));
        foreach (var role in LlmRoles.All)
            services.AddKeyedTransient<Kernel>(role.Key(), (sp, _) => sp.GetRequiredService<LlmClient>().CreateKernel(role));
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(EmbeddingsKey,
            (sp, _) => new LlmEmbeddingGenerator(sp.GetRequiredService<LlmClient>()));
        return services;
    }
}

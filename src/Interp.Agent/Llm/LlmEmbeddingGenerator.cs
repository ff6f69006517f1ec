// The `embeddings` role as an IEmbeddingGenerator over `/v1/embeddings`, through LlmClient (pipeline, cache,
// accounting). A failed call throws LlmCallFailedException (the interface has no outcome type); never a zero vector.
using Interp.Agent.Llm.Accounting;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Llm;

public sealed class LlmEmbeddingGenerator(LlmClient client, LlmRole role = LlmRole.Embeddings, Func<LlmCallContext>? context = null)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private EmbeddingGeneratorMetadata? _meta;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values as IReadOnlyList<string> ?? values.ToArray();
        if (inputs.Count == 0) return new GeneratedEmbeddings<Embedding<float>>();
        var outcome = await client.EmbedAsync(role, inputs, options?.Dimensions, context?.Invoke() ?? LlmCallScope.Current?.Context, cancellationToken)
            .ConfigureAwait(false);
        string model = client.ModelOf(role);
        var result = new GeneratedEmbeddings<Embedding<float>>(outcome.Value.Select(v => new Embedding<float>(v) { ModelId = model, CreatedAt = DateTimeOffset.UtcNow }))
        {
            Usage = new UsageDetails { InputTokenCount = outcome.Usage.PromptTokens, TotalTokenCount = outcome.Usage.TotalTokens },
        };
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata))
            return _meta ??= new EmbeddingGeneratorMetadata("openai-compatible", client.BaseUrlOf(role), client.ModelOf(role));
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose() { }
}

// Tokens and cost of one call (or a sum of calls). Cost is null when the price table has no entry for the model;
// Estimated is true when the endpoint reported no usage and the figures are the reservation estimate.
namespace Interp.Agent.Llm.Outcomes;

public sealed record LlmUsage(long PromptTokens, long CompletionTokens, double? Cost, bool Estimated = false)
{
    public static readonly LlmUsage Zero = new(0, 0, 0);

    public long TotalTokens => PromptTokens + CompletionTokens;

    public static LlmUsage operator +(LlmUsage a, LlmUsage b) => new(
        a.PromptTokens + b.PromptTokens, a.CompletionTokens + b.CompletionTokens,
        a.Cost is { } x && b.Cost is { } y ? x + y : null, a.Estimated || b.Estimated);
}

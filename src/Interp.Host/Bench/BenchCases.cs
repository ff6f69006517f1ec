// The registry of `interp bench` cases, in the order torch_reference.py runs them. New cases (GPT-2 forward,
// SAE step, ...) are added here as one line each, their code in their own IBenchCase class.
namespace Interp.Host.Bench;

public static class BenchCases
{
    /// <summary>Case factories; the argument is --quick (a case whose size, and so name, depends on it is built for it).</summary>
    public static IReadOnlyList<Func<bool, IBenchCase>> All { get; } = new Func<bool, IBenchCase>[]
    {
        _ => new SgemmCase(512, 768, 768, inQuickRun: true),
        _ => new SgemmCase(512, 768, 3072, inQuickRun: false),
        _ => new SgemmCase(4096, 768, 24576, inQuickRun: false),
        _ => new Gpt2ForwardCase(1, 128, cache: false, inQuickRun: true),
        _ => new Gpt2ForwardCase(1, 128, cache: true, inQuickRun: true),
        _ => new Gpt2ForwardCase(8, 128, cache: false, inQuickRun: false),
        _ => new Gpt2ForwardCase(8, 128, cache: true, inQuickRun: false),
        _ => new Gpt2ForwardBackwardCase(inQuickRun: true),
        quick => new SaeTopKStepCase(inQuickRun: true).Configure(quick),
        _ => new LabelOfflineCase(),
        _ => new LabelLlmCase(),
        _ => new ForwardRssCase(inQuickRun: true),
        _ => new LlmChatCase(),
        _ => new IndexUpsertCase(),
        _ => new IndexSearchCase(Interp.Index.VectorKind.Explanation, filtered: false),
        _ => new IndexSearchCase(Interp.Index.VectorKind.Explanation, filtered: true),
        _ => new IndexSearchCase(Interp.Index.VectorKind.Decoder, filtered: false),
        _ => new IndexSearchCase(Interp.Index.VectorKind.Decoder, filtered: true),
        _ => new MiniLmEmbedCase(),
        _ => new QueryEmbedCase("package"), _ => new QueryEmbedCase("single"), _ => new QueryEmbedCase("concurrent"),
        quick => new CacheFinalizeCase(inQuickRun: true).Configure(quick),
        quick => new CircuitCase("atp", inQuickRun: true).Configure(quick), quick => new CircuitCase("exact", inQuickRun: false).Configure(quick), quick => new CircuitCase("sae", inQuickRun: true).Configure(quick),
        _ => new ToolLatencyCase("top_features"), _ => new ToolLatencyCase("ablate_features"), _ => new ToolLatencyCase("feature_info"),
        _ => new McpColdStartCase(),
    };
}

// The registry of `interp bench` cases, in the order torch_reference.py runs them. New cases (GPT-2 forward,
// SAE step, ...) are added here as one line each, their code in their own IBenchCase class.
namespace Interp.Host.Bench;

public static class BenchCases
{
    public static IReadOnlyList<Func<IBenchCase>> All { get; } = new Func<IBenchCase>[]
    {
        () => new SgemmCase(512, 768, 768, inQuickRun: true),
        () => new SgemmCase(512, 768, 3072, inQuickRun: false),
        () => new SgemmCase(4096, 768, 24576, inQuickRun: false),
        () => new Gpt2ForwardCase(1, 128, cache: false, inQuickRun: true),
        () => new Gpt2ForwardCase(1, 128, cache: true, inQuickRun: true),
        () => new Gpt2ForwardCase(8, 128, cache: false, inQuickRun: false),
        () => new Gpt2ForwardCase(8, 128, cache: true, inQuickRun: false),
        () => new Gpt2ForwardBackwardCase(inQuickRun: true),
        () => new SaeTopKStepCase(inQuickRun: true).Configure(quick: false),
    };
}

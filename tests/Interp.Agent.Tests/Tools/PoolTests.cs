// A tool server is long-running: every tool call must give back every pooled tensor buffer it rented (TensorScope), so
// memory stays flat over any number of calls. Runs each call twice (the first fills caches) and compares the pool's
// outstanding count around the second. The collection runs alone (the count is process-wide; the labeling tests rent
// buffers too).
using Interp.Agent.Tools;
using Interp.Tensors;

namespace Interp.Agent.Tests.Tools;

[Collection(nameof(ToolPoolCollection))]
public sealed class PoolTests(ToolFixture fx)
{
    private const string Text = "And God said, Let there be light";

    public static TheoryData<string> Calls => new()
    {
        "run_prompt", "get_activations", "compare_prompts", "top_features", "feature_info", "feature_neighbours", "ablate_features",
        "ablate_heads", "ablate_neurons", "patch_activation", "steer_generate", "attribute", "test_circuit",
    };

    [Theory, MemberData(nameof(Calls))]
    public void ToolCall_ReturnsEveryPooledBuffer(string tool)
    {
        var en = new InterpPrimitives(fx.English);
        var toy = new InterpPrimitives(fx.Toy);
        string hook = fx.English.Saes[0].HookName;
        Action call = tool switch
        {
            "run_prompt" => () => en.RunPrompt(Text),
            "get_activations" => () => en.GetActivations(Text, hook, "0,-1"),
            "compare_prompts" => () => en.ComparePrompts(Text, "And Moses said"),
            "top_features" => () => en.TopFeaturesAsync(Text).GetAwaiter().GetResult(),
            "feature_info" => () => en.FeatureInfoAsync(null, 7).GetAwaiter().GetResult(),
            "feature_neighbours" => () => en.FeatureNeighboursAsync(null, 7, 3).GetAwaiter().GetResult(),
            "ablate_features" => () => en.AblateFeatures(Text, null, "7,14", "-1"),
            "ablate_heads" => () => en.AblateHeads(Text, "L0.H1,L2.H3"),
            "ablate_neurons" => () => en.AblateNeurons(Text, "L1.N5"),
            "patch_activation" => () => en.PatchActivation(Text, "And Moses said, Let there be light", hook, "1"),
            "steer_generate" => () => en.SteerGenerate(Text, null, 7, 8, 4),
            "attribute" => () => toy.Attribute("ioi", "heads", "atp", 3, 4),
            "test_circuit" => () => toy.TestCircuit("ioi", "heads", "L1.H0", 4),
            _ => throw new ArgumentException(tool),
        };
        call();
        long before = TensorMemory.OutstandingBuffers;
        call();
        long after = TensorMemory.OutstandingBuffers;
        Assert.True(before == after, $"{tool}: {after - before} pooled buffers still outstanding after the call");
    }
}

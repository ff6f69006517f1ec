// One registry entry per SAE architecture holds inference and training: every built-in architecture creates its
// training method, TrainingMethods reads the registry, and an architecture registered without a trainer loads but
// is refused for training with the trainable ones listed.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Architectures;

public class RegistryTests
{
    private sealed class InferenceOnly : ISaeArchitecture
    {
        public string Name => "test-inference-only";
        public Tensor Activate(Sae sae, Tensor pre) => TensorOps.Relu(pre);
    }

    [Theory]
    [InlineData("standard", null, typeof(StandardTraining))]
    [InlineData("topk", 2.0, typeof(TopKTraining))]
    [InlineData("batchtopk", 2.0, typeof(BatchTopKTraining))]
    [InlineData("jumprelu", null, typeof(JumpReluTraining))]
    public void BuiltIn_EntryCreatesItsTrainingMethod(string name, double? k, Type method)
    {
        var cfg = new SaeTrainConfig { HookName = "h", DIn = 4, DSae = 8, Architecture = name, K = k };
        var m = SaeArchitectures.Get(name).CreateTraining(cfg);
        Assert.IsType(method, m);
        Assert.Equal(name, m!.Name);
        Assert.IsType(method, TrainingMethods.Create(cfg));
    }

    [Fact]
    public void RegisteredWithoutTraining_LoadsButIsNotTrainable()
    {
        if (SaeArchitectures.Find("test-inference-only") is null) SaeArchitectures.Register(new InferenceOnly());
        Assert.Contains("test-inference-only", SaeArchitectures.Names);
        Assert.DoesNotContain("test-inference-only", TrainingMethods.Names);
        Assert.Equal(new[] { "standard", "topk", "batchtopk", "jumprelu" }, TrainingMethods.Names.Where(n => !n.StartsWith("test-", StringComparison.Ordinal)));
        var e = Assert.Throws<ArgumentException>(() => new SaeTrainConfig { HookName = "h", DIn = 4, DSae = 8, Architecture = "test-inference-only", TrainingTokens = 8, TrainBatchSizeTokens = 4 }.Validate());
        Assert.Contains("SAE training supports: standard, topk, batchtopk, jumprelu", e.Message);
    }
}

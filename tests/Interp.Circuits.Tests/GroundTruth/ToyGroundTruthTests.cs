// The ground truth on the embedded toy model (evals/models/toy-small) with a smaller prompt set than docs/circuits.md
// records (24 pairs per task instead of 100): attribution ranks heads like exact patching, the proposer finds a small
// circuit that is faithful and whose removal destroys the behaviour, and for induction that circuit holds a
// previous-token head and an induction head identified by attention-pattern scores.
using Interp.Models;
using Interp.Models.Tokenizers;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.GroundTruth;

public class ToyGroundTruthTests
{
    private static readonly Lazy<IReadOnlyList<TaskGroundTruth>> Results = new(() =>
        ToyGroundTruth.Run(ModelLoader.Load(ToyModel), TokenizerLoader.Load(ToyModel), new GroundTruthOptions { Prompts = 24 }));

    private static TaskGroundTruth Task(string name) => Results.Value.Single(r => r.Task == name);

    [Theory]
    [InlineData("ioi")]
    [InlineData("induction")]
    public void Attribution_RanksHeadsLikeExactPatching(string task)
    {
        var r = Task(task);
        Assert.True(r.Metric.Clean - r.Metric.Corrupted > 5, $"{task}: the corruption should remove the behaviour (clean {r.Metric.Clean:F2}, corrupted {r.Metric.Corrupted:F2})");
        Assert.True(r.SpearmanAtp >= 0.7, $"{task}: Spearman(AtP, exact) = {r.SpearmanAtp:F3}");
        Assert.True(r.SpearmanIg >= 0.7, $"{task}: Spearman(IG, exact) = {r.SpearmanIg:F3}");
        Assert.Equal(16, r.Heads.Count);
    }

    [Theory]
    [InlineData("ioi")]
    [InlineData("induction")]
    public void Proposer_PatchingAblation_SmallFaithfulCompleteCircuit(string task)
    {
        var c = Task(task).Circuits.Single(x => x.Kind == AblationKind.Corrupted);
        Assert.True(c.TargetReached, $"{task}: no circuit reached faithfulness 0.8");
        Assert.True(c.Faithfulness >= 0.8, $"{task}: faithfulness {c.Faithfulness:F3}");
        Assert.True(c.Size <= 4, $"{task}: {c.Size} of 16 heads is not a small fraction ({c.Circuit})");
        Assert.True(c.Completeness >= 0.8, $"{task}: completeness {c.Completeness:F3}: removing {c.Circuit} should destroy the behaviour");
        Assert.True(c.Accuracy!.CircuitRemoved <= 0.7, $"{task}: with the circuit removed the answer still wins on {c.Accuracy.CircuitRemoved:P0} of prompts");
    }

    [Fact]
    public void Proposer_MeanAblation_Ioi_SmallFaithfulCompleteCircuit()
    {
        var c = Task("ioi").Circuits.Single(x => x.Kind == AblationKind.Mean);
        Assert.True(c.Faithfulness >= 0.8 && c.Size <= 4, $"faithfulness {c.Faithfulness:F3} with {c.Size} heads ({c.Circuit})");
        Assert.True(c.Completeness >= 0.8, $"completeness {c.Completeness:F3}");
    }

    [Fact]
    public void Induction_CircuitHoldsAPreviousTokenHeadAndAnInductionHead_ByPattern()
    {
        var r = Task("induction");
        Assert.NotEmpty(r.PrevTokenHeads!);
        Assert.NotEmpty(r.InductionHeads!);
        // by what they do: the previous-token heads sit below the induction heads they feed
        Assert.True(r.PrevTokenHeads!.Min(Layer) < r.InductionHeads!.Max(Layer), $"previous-token {string.Join(",", r.PrevTokenHeads!)}, induction {string.Join(",", r.InductionHeads!)}");
        foreach (var c in r.Circuits.Where(x => x.TargetReached))
            Assert.True(c.HasPrevTokenHead == true && c.HasInductionHead == true,
                $"{c.Ablation}: circuit {c.Circuit} lacks a previous-token head ({string.Join(",", r.PrevTokenHeads!)}) or an induction head ({string.Join(",", r.InductionHeads!)})");
    }

    private static int Layer(string id) => id[1] - '0';
}

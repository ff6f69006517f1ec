// The three metrics on hand-made logits, including a right-padded batch, and the batch share used for gradients.
using Interp.Tensors;

namespace Interp.Circuits.Tests.Prompts;

public class MetricTests
{
    // two prompts, lengths 3 and 2 (padded to 3), vocab 4; logits[b, p, v] = 10·b + 4·p + v … with a twist at (1, 1)
    private static (Tensor logits, PromptBatch batch) Case()
    {
        var data = new double[2 * 3 * 4];
        for (int b = 0; b < 2; b++) for (int p = 0; p < 3; p++) for (int v = 0; v < 4; v++) data[(b * 3 + p) * 4 + v] = 0.5 * v - 0.25 * p + b;
        data[(1 * 3 + 1) * 4 + 0] = 3.0;
        var pairs = new[]
        {
            new PromptPair([1, 2, 3], [1, 0, 3], 2, 3, 0, ["a", "b", "c"], ["a", "x", "c"], "d", "a"),
            new PromptPair([2, 1], [2, 2], 1, 0, 2, ["b", "a"], ["b", "b"], "a", "c"),
        };
        return (Tensor.FromArray(data, 2, 3, 4), new PromptBatch(pairs, 0, 0));
    }

    [Fact]
    public void LogitDiff_ByHand()
    {
        var (logits, batch) = Case();
        using (logits) using (batch)
        using (var per = Metric.PerPrompt(MetricSpec.LogitDiff, logits, batch))
        {
            var v = per.ToDoubleArray();
            Assert.Equal(1.0 - (-0.5), v[0], 12);             // p2: logit[3] − logit[0] = 1.0 − (−0.5)
            Assert.Equal(3.0 - (1.0 - 0.25 + 1.0), v[1], 12); // row 1, p1: 3.0 − (0.5·2 − 0.25 + 1)
        }
    }

    [Fact]
    public void LogProb_ByHand()
    {
        var (logits, batch) = Case();
        using (logits) using (batch)
        using (var per = Metric.PerPrompt(MetricSpec.LogProb, logits, batch))
        {
            double[] row0 = { -0.5, 0.0, 0.5, 1.0 };          // b0 p2: 0.5v − 0.5
            double lse = Math.Log(row0.Sum(Math.Exp));
            Assert.Equal(row0[3] - lse, per.ToDoubleArray()[0], 12);
        }
    }

    [Fact]
    public void Loss_ByHand_IgnoresPadding()
    {
        var (logits, batch) = Case();
        using (logits) using (batch)
        using (var per = Metric.PerPrompt(MetricSpec.Loss, logits, batch))
        {
            double Nll(int b, int p, int target)
            {
                var row = Enumerable.Range(0, 4).Select(v => (b == 1 && p == 1 && v == 0) ? 3.0 : 0.5 * v - 0.25 * p + b).ToArray();
                return Math.Log(row.Sum(Math.Exp)) - row[target];
            }
            var v = per.ToDoubleArray();
            // prompt 0: positions 0,1 predict the next clean token (2, 3), position 2 the answer (3)
            Assert.Equal((Nll(0, 0, 2) + Nll(0, 1, 3) + Nll(0, 2, 3)) / 3, v[0], 12);
            // prompt 1 (length 2): position 0 -> token 1, position 1 -> answer 0; its padded position 2 is never read
            Assert.Equal((Nll(1, 0, 1) + Nll(1, 1, 0)) / 2, v[1], 12);
        }
    }

    [Fact]
    public void BatchShare_SumsOverTheBatchAndDividesByTheSetSize()
    {
        using var per = Tensor.FromArray(new[] { 1.0, 2.0, 6.0 }, 3);
        using var s = Metric.BatchShare(per, 10);
        Assert.Equal(0.9, s.ItemDouble(), 12);
    }

    [Fact]
    public void Parse_UnknownMetric_NamesTheChoices() =>
        Assert.Contains("logit_diff, logprob or loss", Assert.Throws<ArgumentException>(() => MetricSpec.Parse("kl")).Message);
}

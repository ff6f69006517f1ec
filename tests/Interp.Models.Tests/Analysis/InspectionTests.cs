using Interp.Models.Analysis;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Models.Tests.Analysis;

public class InspectionTests
{
    /// <summary>A WordLevel tokenizer "w0".."w{n-1}" so the random-weight fixtures can read text.</summary>
    private static ITokenizer Words(int n)
    {
        var vocab = string.Join(",", Enumerable.Range(0, n).Select(i => $"\"w{i}\":{i}"));
        var json = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                 + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"w0\"}}";
        return TokenizerLoader.FromJson(json);
    }

    [Fact]
    public void Run_Gpt2Fixture_ReportsSoftmaxTopPredictionsAndArgmaxNeurons()
    {
        var model = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        var tok = Words(model.Config.DVocab);
        var reports = Inspection.Run(model, tok, "w5 w17 w3 w99 w42", topPredictions: 4, topNeurons: 2, topHeads: 2);
        Assert.Equal(5, reports.Count);
        Assert.Equal(new[] { 5, 17, 3, 99, 42 }, reports.Select(r => r.TokenId));

        using var ids = Tensor.FromArray(new long[] { 5, 17, 3, 99, 42 }, 1, 5);
        var (logits, cache) = model.RunWithCache(ids, n => n.EndsWith("mlp.hook_post"));
        var lg = logits.ToArray(); int v = model.Config.DVocab;
        for (int p = 0; p < 5; p++)
        {
            var row = lg.AsSpan(p * v, v).ToArray();
            double max = row.Max(), z = row.Sum(x => Math.Exp(x - max));
            var expected = Enumerable.Range(0, v).OrderByDescending(i => row[i]).Take(4).ToArray();
            Assert.Equal(expected, reports[p].Predictions.Select(q => q.TokenId));
            Assert.True(Math.Abs(Math.Exp(row[expected[0]] - max) / z - reports[p].Predictions[0].Probability) < 1e-9);
            Assert.True(reports[p].Predictions.Zip(reports[p].Predictions.Skip(1)).All(t => t.First.Probability >= t.Second.Probability));

            var best = reports[p].Neurons[0];
            for (int l = 0; l < model.Config.NLayers; l++)
            {
                var post = cache[$"blocks.{l}.mlp.hook_post"].ToArray();
                for (int n = 0; n < model.Config.DMlp; n++) Assert.True(post[p * model.Config.DMlp + n] <= best.Value + 1e-6);
            }
            Assert.All(reports[p].Heads, h => Assert.InRange(h.AttendsTo, 0, p)); // causal: never looks ahead
        }
    }

    [Fact]
    public void Run_WithFeatureReader_ReportsLargestPositiveFeaturesPerToken()
    {
        var model = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        const string hook = "blocks.1.hook_resid_post";
        // An identity "dictionary": features are the residual dimensions themselves.
        var reports = Inspection.Run(model, Words(model.Config.DVocab), "w1 w2 w3", features: new FeatureReader(hook, x => x.Contiguous()), topFeatures: 4);
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3);
        var (_, cache) = model.RunWithCache(ids, n => n == hook);
        var act = cache[hook].ToArray(); int d = model.Config.DModel;
        for (int p = 0; p < 3; p++)
        {
            var expected = Enumerable.Range(0, d).Where(j => act[p * d + j] > 0).OrderByDescending(j => act[p * d + j]).Take(4).ToArray();
            Assert.Equal(expected, reports[p].Features.Select(f => f.Feature));
        }
        Assert.Throws<ArgumentException>(() => Inspection.Run(model, Words(model.Config.DVocab), "w1", features: new FeatureReader("blocks.9.nope", x => x)));
    }

    [Fact]
    public void Run_EmptyText_Throws()
    {
        var model = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        Assert.Throws<ArgumentException>(() => Inspection.Run(model, Words(model.Config.DVocab), ""));
    }
}

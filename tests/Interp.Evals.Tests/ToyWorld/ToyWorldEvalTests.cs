using Interp.Evals.ToyWorld;
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Evals.Tests.ToyWorld;

public class ToyWorldEvalTests
{
    private static HookedTransformer TinyModel(int vocab, out Dictionary<string, Tensor> w)
    {
        var cfg = new ModelConfig
        {
            ModelType = "gpt2", NLayers = 1, DModel = 16, NHeads = 2, NKvHeads = 2, DHead = 8, DMlp = 32, DVocab = vocab, NCtx = 64,
            Eps = 1e-5, Norm = NormKind.LayerNorm, Positions = PositionKind.Learned, Act = ActivationKind.GeluNew,
            GatedMlp = false, ParallelResidual = false, TiedEmbeddings = true,
        };
        var rng = new Rng(7);
        w = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in Gpt2.ExpectedWeights(cfg))
            w[name] = name.Contains("ln_") && name.EndsWith(".weight") ? Tensor.Ones(shape) : rng.Normal(shape, 0, 0.1);
        return new HookedTransformer(ModelLoader.Create(cfg, w));
    }

    [Fact]
    public void Run_CountsPrompts_AndAnOracleScoresPerfectIoi()
    {
        var dir = Directory.CreateTempSubdirectory("toyeval").FullName;
        try
        {
            ToyWorldWriter.Write(new ToyWorldOptions(3, 50, EvalPrompts: 20), dir, gzip: false);
            var tok = TokenizerLoader.Load(Path.Combine(dir, "tokenizer.json"));
            var model = TinyModel(tok.VocabSize, out var w);
            var scores = ToyWorldEval.Run(model, tok, dir);
            Assert.Equal(new[] { "ioi", "induction" }, scores.Select(s => s.Task));
            Assert.All(scores, s => { Assert.Equal(20, s.Prompts); Assert.InRange(s.Accuracy, 0, 1); });
            Assert.Equal(0.5, scores[0].Chance);

            // An oracle: a model whose unembedding bias is set, prompt by prompt, to favour the right answer
            // (a hook at hook_embed, which runs first in every forward, sets the bias for the prompt at hand).
            var prompts = ToyWorldFiles.ReadIoiEval(dir).ToList();
            var bias = Tensor.Zeros(tok.VocabSize);
            var oracleModel = new HookedTransformer(ModelLoader.Create(model.Config, new Dictionary<string, Tensor>(w) { ["unembed.bias"] = bias }));
            int i = 0;
            HookFn oracle = (x, _) =>
            {
                var b = bias.Data<float>();
                Array.Clear(b);
                if (i < prompts.Count) b[tok.TokenToId(prompts[i++].Answer)!.Value] = 1e4f; // IOI prompts come first
                return null;
            };
            using (oracleModel.Hooks(("hook_embed", oracle)))
            {
                var withOracle = ToyWorldEval.Run(oracleModel, tok, dir, maxPrompts: 20);
                Assert.Equal(1.0, withOracle[0].Accuracy);
                Assert.True(withOracle[0].MeanLogitDiff > 100);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Run_VocabularyMismatch_ThrowsNamingTheWord()
    {
        var dir = Directory.CreateTempSubdirectory("toyeval").FullName;
        try
        {
            ToyWorldWriter.Write(new ToyWorldOptions(3, 10, EvalPrompts: 5), dir, gzip: false);
            var json = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                     + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"a\":1},\"unk_token\":\"<unk>\"}}";
            var tok = TokenizerLoader.FromJson(json);
            var model = TinyModel(2, out _);
            var e = Assert.Throws<ArgumentException>(() => ToyWorldEval.Run(model, tok, dir));
            Assert.Contains("not in the model's vocabulary", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

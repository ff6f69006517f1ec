// Training end to end on tiny models: the loss drops below a bound, the written Hugging Face folder loads with
// ModelLoader and gives the trained model's logits, and a run resumed from a checkpoint equals an uninterrupted one.
using Interp.Models.Tokenizers;
using Interp.Models.Training;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly TinyCorpus _c = new();
    public void Dispose() => _c.Dispose();

    private TrainResult Train(TrainConfig cfg, string outName, string? resume = null, StringWriter? log = null) =>
        Trainer.Prepare(cfg, new TrainOptions { OutDir = _c.Path_(outName), ResumeFrom = resume, Log = log, KeepCheckpoints = 0 }).Run();

    private static Tensor Ids(Tokenizer tok, string text)
    {
        var ids = tok.Encode(text).Take(16).Select(i => (long)i).ToArray();
        return Tensor.FromArray(ids, 1, ids.Length);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Run_RepetitiveCorpus_LossDropsBelowBound(string arch)
    {
        // Initial loss is about ln(300) ≈ 5.7 nats; the cycled sentences make almost every token predictable from
        // its context, so 80 steps must bring the losses under 1 nat (they reach ~0.1-0.35 here).
        const double Bound = 1.0;
        var log = new StringWriter();
        var r = Train(_c.Config(arch, steps: 80) with { LogEvery = 20 }, "out", log: log);
        Assert.True(r.TrainLosses[0].Loss > 4.5, $"first-step loss {r.TrainLosses[0].Loss:F3} should be near ln(vocab)");
        Assert.NotNull(r.HeldoutLoss);
        Assert.True(r.HeldoutLoss < Bound, $"held-out loss {r.HeldoutLoss:F3} after 80 steps is not below {Bound}");
        Assert.True(r.LastTrainLoss < Bound, $"train loss {r.LastTrainLoss:F3} after 80 steps is not below {Bound}");
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("step 20/80  loss ", StringComparison.Ordinal) && l.Contains("tok/s") && l.Contains("eta"));
        Assert.Contains(lines, l => l.StartsWith("step 80/80  heldout loss ", StringComparison.Ordinal));
        Assert.Equal(5, File.ReadAllLines(_c.Path_("out/metrics.jsonl")).Length); // 4 log lines + 1 eval
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Run_ThenModelLoaderLoad_GivesTheSameLogits(string arch)
    {
        var cfg = _c.Config(arch, steps: 6);
        var trainer = Trainer.Prepare(cfg, new TrainOptions { OutDir = _c.Path_("out") });
        trainer.Run();
        var loaded = ModelLoader.Load(_c.Path_("out"));
        var tok = TokenizerLoader.Load(_c.Path_("out"));           // tokenizer.json was copied beside the weights
        using var x = Ids(tok, "the dog sat on the hill. a cat");
        using var _ = Tensor.NoGrad();
        using var a = trainer.Model.Run(x);
        using var b = loaded.Run(x);
        // same fp32 weights through the same kernels: bit-for-bit equal
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal(arch, loaded.Config.ModelType);
        Assert.Equal(tok.VocabSize, loaded.Config.DVocab);
    }

    [Fact]
    public void Run_SaveDtypeF16_LoadsWithLogitsClose()
    {
        // fp16 keeps ~3 decimal digits of each weight; logits of a 1-layer model move by well under 1e-2
        const double Tol = 1e-2;
        var trainer = Trainer.Prepare(_c.Config(steps: 6) with { SaveDtype = SaveDType.F16 }, new TrainOptions { OutDir = _c.Path_("out") });
        trainer.Run();
        using (var f = SafetensorsFile.Open(_c.Path_("out/model.safetensors")))
            Assert.All(f.Names, n => Assert.Equal(DType.F16, f.Info(n).DType));
        var loaded = ModelLoader.Load(_c.Path_("out"));
        using var x = Ids(trainer.Tokenizer, "the sun sat in the park.");
        using var _ = Tensor.NoGrad();
        using var a = trainer.Model.Run(x);
        using var b = loaded.Run(x);
        var (ea, eb) = (a.ToArray(), b.ToArray());
        for (int i = 0; i < ea.Length; i++) Assert.True(Math.Abs(ea[i] - eb[i]) < Tol, $"logit {i}: {ea[i]} vs {eb[i]}");
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Resume_FromStepK_EqualsUninterruptedRun(string arch)
    {
        // Same seed and thread count: batches depend on (seed, step) only and the optimizer state is restored
        // exactly, so the resumed run must reproduce every weight bit for bit (no tolerance).
        var cfg = _c.Config(arch, steps: 12) with { CheckpointEvery = 5 };
        var full = Train(cfg, "full");
        var ckpt = _c.Path_("full/checkpoints/step-0000005");
        Assert.True(Directory.Exists(ckpt));
        Assert.True(Directory.Exists(_c.Path_("full/checkpoints/step-0000010")));
        var resumed = Train(cfg, "resumed", resume: ckpt);
        Assert.Equal(full.TrainLosses.Skip(5), resumed.TrainLosses);
        using var fa = SafetensorsFile.Open(_c.Path_("full/model.safetensors"));
        using var fb = SafetensorsFile.Open(_c.Path_("resumed/model.safetensors"));
        Assert.Equal(fa.Names.Order(), fb.Names.Order());
        foreach (var n in fa.Names)
        {
            using var ta = fa.Load(n); using var tb = fb.Load(n);
            Assert.True(ta.ToArray().AsSpan().SequenceEqual(tb.ToArray()), $"tensor {n} differs after resuming");
        }
        // a checkpoint folder is itself a loadable model
        Assert.Equal(arch, ModelLoader.Load(ckpt).Config.ModelType);
    }

    [Fact]
    public void Resume_FolderOfCheckpoints_PicksTheNewest()
    {
        var cfg = _c.Config(steps: 8) with { CheckpointEvery = 3 };
        Train(cfg, "full");
        Assert.EndsWith("step-0000006", TrainCheckpoint.Resolve(_c.Path_("full")));
        var r = Train(cfg, "resumed", resume: _c.Path_("full"));
        Assert.Equal(2, r.TrainLosses.Count);                        // steps 7 and 8 only
    }

    [Fact]
    public void Resume_WithDifferentConfig_FailsBeforeTraining()
    {
        var cfg = _c.Config(steps: 4) with { CheckpointEvery = 2 };
        Train(cfg, "full");
        var ckpt = _c.Path_("full/checkpoints/step-0000002");
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => Trainer.Prepare(cfg with { Lr = 5e-3, DModel = 64 }, new TrainOptions { OutDir = _c.Path_("x"), ResumeFrom = ckpt }));
        Assert.Contains("d_model: 32 in the checkpoint vs 64 now", e.Message);
        Assert.Contains("lr: 0.02 in the checkpoint vs 0.005 now", e.Message);
        Assert.False(Directory.Exists(_c.Path_("x")), "nothing may be written before the checks pass");
        // bookkeeping keys may change
        Trainer.Prepare(cfg with { LogEvery = 1, EvalBatches = 1 }, new TrainOptions { OutDir = _c.Path_("y"), ResumeFrom = ckpt });
        // other training text: refused
        File.AppendAllText(_c.TrainPath, "the end.");
        var d = Assert.Throws<Interp.Errors.ConfigException>(() => Trainer.Prepare(cfg, new TrainOptions { OutDir = _c.Path_("z"), ResumeFrom = ckpt }));
        Assert.Contains("train_data tokens differ", d.Message);
        Assert.Throws<DirectoryNotFoundException>(() => Trainer.Prepare(cfg, new TrainOptions { OutDir = _c.Path_("z"), ResumeFrom = _c.Dir }));
        File.WriteAllText(Path.Combine(ckpt, TrainState.FileName), "{ truncated");
        Assert.Contains("checkpoint is damaged", Assert.Throws<InvalidDataException>(() => TrainCheckpoint.ReadMeta(ckpt)).Message);
    }

    [Fact]
    public void BatchSampler_StepBatches_DependOnSeedAndStepOnly()
    {
        var ids = Enumerable.Range(0, 500).ToArray();
        var a = new BatchSampler(ids, 4, 8, seed: 9);
        var b = new BatchSampler(ids, 4, 8, seed: 9);
        Assert.Equal(a.Starts(7), b.Starts(7));
        Assert.Equal(a.Starts(3), (_ = b.Starts(7), b.Starts(3)).Item2); // order of calls does not matter
        Assert.NotEqual(a.Starts(3), a.Starts(4));
        Assert.NotEqual(a.Starts(3), new BatchSampler(ids, 4, 8, seed: 10).Starts(3));
        var (x, y) = a.Batch([10, 491]);
        Assert.Equal(new long[] { 10, 11, 12, 13, 14, 15, 16, 17 }, x.ToArray<long>().Take(8));
        Assert.Equal(new long[] { 11, 12, 13, 14, 15, 16, 17, 18 }, y.ToArray<long>().Take(8));
        Assert.Equal(499L, y.ToArray<long>()[^1]);                  // the last row ends at the corpus's last token
        Assert.All(a.Starts(0), s => Assert.InRange(s, 0, 500 - 9));
        Assert.Equal(new[] { 0, 491 }, new BatchSampler(ids, 1, 8, 1).EvalStarts(2));
    }

    [Fact]
    public void ModelInit_FollowsGpt2Scheme()
    {
        var cfg = _c.Config() with { NLayers = 2, DModel = 64 };
        var mc = ModelInit.ModelConfigOf(cfg, 300);
        var w = ModelInit.Create(mc, 5);
        static double Std(Tensor t) { var a = t.ToArray(); double m = a.Average(); return Math.Sqrt(a.Average(v => (v - m) * (v - m))); }
        // std estimates from 64·256 = 16k samples are within 5% of the target
        Assert.InRange(Std(w["h.0.mlp.c_fc.weight"]), 0.02 * 0.95, 0.02 * 1.05);
        Assert.InRange(Std(w["h.1.mlp.c_proj.weight"]), 0.01 * 0.95, 0.01 * 1.05); // 0.02/√(2·2)
        Assert.All(w["h.0.ln_1.weight"].ToArray(), v => Assert.Equal(1f, v));
        Assert.All(w["h.0.attn.c_attn.bias"].ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(ModelInit.Create(mc, 5)["wte.weight"].ToArray(), w["wte.weight"].ToArray());
        Assert.NotEqual(ModelInit.Create(mc, 6)["wte.weight"].ToArray(), w["wte.weight"].ToArray());
        Assert.False(TrainOptimizer.Decays("wte.weight", w["wte.weight"]));
        Assert.False(TrainOptimizer.Decays("h.0.ln_1.bias", w["h.0.ln_1.bias"]));
        Assert.True(TrainOptimizer.Decays("h.0.attn.c_attn.weight", w["h.0.attn.c_attn.weight"]));
    }
}

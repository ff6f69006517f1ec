// Training-config checks: JSON parsing (unknown keys, wrong types), every dimension / schedule rule, and the data
// checks Trainer.Prepare makes before training (empty corpus, corpus shorter than one row, missing held-out).
using Interp.Models.Training;

namespace Interp.Models.Tests.Training;

public sealed class TrainConfigTests : IDisposable
{
    private readonly TinyCorpus _c = new(repeats: 2);
    public void Dispose() => _c.Dispose();

    private static string Problems(TrainConfig cfg) => Assert.Throws<Interp.Errors.ConfigException>(() => cfg.Validate()).Message;

    [Fact]
    public void Parse_AllKeys_RoundTripThroughToJson()
    {
        var cfg = TrainConfig.Parse("""
            { "arch": "llama", "n_layers": 3, "d_model": 48, "n_heads": 6, "n_kv_heads": 2, "d_mlp": 100, "n_ctx": 32,
              "tie_embeddings": false, "rope_theta": 500.0, "steps": 7, "batch_size": 3, "lr": 0.002, "min_lr": 0.0001,
              "warmup_steps": 2, "weight_decay": 0.05, "grad_clip": 0.5, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6,
              "eval_every": 2, "eval_batches": 5, "checkpoint_every": 3, "log_every": 1, "seed": 18446744073709551615,
              "tokenizer": "t.json", "train_data": "a.bin", "heldout_data": "b.txt", "save_dtype": "f16" }
            """);
        Assert.Equal((3, 48, 6, 2, 100, 32), (cfg.NLayers, cfg.DModel, cfg.NHeads, cfg.ResolvedNKvHeads, cfg.ResolvedDMlp, cfg.NCtx));
        Assert.Equal(ulong.MaxValue, cfg.Seed);
        Assert.Equal(cfg, TrainConfig.Parse(cfg.ToJson().ToJsonString()));
        cfg.Validate();
    }

    [Fact]
    public void Parse_UnknownKeyOrWrongType_NamesIt()
    {
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Parse("""{"n_layer": 2}"""));
        Assert.Contains("unknown key \"n_layer\"", e.Message);
        Assert.Contains("did you mean \"n_layers\"", e.Message);   // the nearest valid key
        Assert.Equal("n_layer", e.Key);
        Assert.Contains("\"lr\" is the string \"fast\"; expected a number", Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Parse("""{"lr": "fast"}""")).Message);
        Assert.Contains("\"steps\" is the number 1.5; expected an integer", Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Parse("""{"steps": 1.5}""")).Message);
        Assert.Contains("\"seed\" is -1, out of range", Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Parse("""{"seed": -1}""")).Message);
        Assert.Contains("\"arch\" is \"bert\", which is not supported", Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Parse("""{"arch": "bert"}""")).Message);
        Assert.Contains("\"save_dtype\" is \"bf16\"", Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Parse("""{"save_dtype": "bf16"}""")).Message);
        Assert.Contains("does not exist", Assert.Throws<Interp.Errors.ConfigException>(() => TrainConfig.Load(_c.Path_("nope.json"))).Message);
    }

    [Fact]
    public void Validate_DimsThatDoNotDivide_AreReported()
    {
        var ok = _c.Config();
        Assert.Contains("d_model (30) is not divisible by n_heads (4)", Problems(ok with { DModel = 30 }));
        Assert.Contains("n_heads (4) must be a multiple of n_kv_heads (3)", Problems(_c.Config("llama") with { NKvHeads = 3 }));
        Assert.Contains("even d_head", Problems(_c.Config("llama") with { DModel = 12, NHeads = 4 }));
        Assert.Contains("n_kv_heads applies to arch \"llama\" only", Problems(ok with { NKvHeads = 2 }));
    }

    [Fact]
    public void Validate_ScheduleAndNames_AreReportedTogether()
    {
        var msg = Problems(_c.Config() with { NCtx = 1, Steps = 0, Lr = -1, Tokenizer = "" });
        Assert.Contains("6 problems", msg);                          // the four above, plus warmup > steps and min_lr > lr they imply
        foreach (var part in new[] { "n_ctx must be >= 2", "steps must be >= 1", "lr must be finite and > 0", "tokenizer is required" })
            Assert.Contains(part, msg);
        Assert.Contains("min_lr must be in [0, lr", Problems(_c.Config() with { MinLr = 1 }));
        Assert.Contains("warmup_steps must be in [0, steps", Problems(_c.Config() with { WarmupSteps = 1000 }));
    }

    [Fact]
    public void Prepare_EmptyOrShortCorpus_FailsBeforeTraining()
    {
        File.WriteAllText(_c.Path_("empty.txt"), "");
        var e = Assert.Throws<Interp.Errors.ConfigException>(() => Trainer.Prepare(_c.Config() with { TrainData = _c.Path_("empty.txt") }, new TrainOptions { OutDir = _c.Path_("o") }));
        Assert.Contains("is empty", e.Message);
        File.WriteAllText(_c.Path_("short.txt"), "the cat sat");
        e = Assert.Throws<Interp.Errors.ConfigException>(() => Trainer.Prepare(_c.Config() with { TrainData = _c.Path_("short.txt") }, new TrainOptions { OutDir = _c.Path_("o") }));
        Assert.Contains("one training row needs n_ctx + 1 = 17", e.Message);
        e = Assert.Throws<Interp.Errors.ConfigException>(() => Trainer.Prepare(_c.Config() with { HeldoutData = _c.Path_("short.txt") }, new TrainOptions { OutDir = _c.Path_("o") }));
        Assert.Contains("heldout_data", e.Message);
        e = Assert.Throws<Interp.Errors.ConfigException>(() => Trainer.Prepare(_c.Config() with { HeldoutData = null, EvalEvery = 5 }, new TrainOptions { OutDir = _c.Path_("o") }));
        Assert.Contains("no heldout_data", e.Message);
        Assert.Throws<FileNotFoundException>(() => Trainer.Prepare(_c.Config() with { TrainData = _c.Path_("missing.txt") }, new TrainOptions { OutDir = _c.Path_("o") }));
        Assert.False(Directory.Exists(_c.Path_("o")));
    }

    [Fact]
    public void Prepare_BinWithIdsOutsideVocab_Fails()
    {
        TokenData.WriteBin(_c.Path_("bad.bin"), Enumerable.Range(0, 40).Append(99_999).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Trainer.Prepare(_c.Config() with { TrainData = _c.Path_("bad.bin") }, new TrainOptions { OutDir = _c.Path_("o") }));
        Assert.Contains("token id 99999 at position 40", e.Message);
        File.WriteAllBytes(_c.Path_("odd.bin"), new byte[7]);
        Assert.Contains("not a multiple of 4", Assert.Throws<InvalidDataException>(() => TokenData.ReadBin(_c.Path_("odd.bin"))).Message);
    }
}

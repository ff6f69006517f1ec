// The CLI verbs end to end: `interp sae eval` prints the metrics as JSON (equal to SaeEvaluator's), `interp run --sae`
// writes the SAE hook activations and gradients (logits unchanged with the error term, changed with --sae-replace),
// and bad input exits with code 2 and one clear line.
using System.CommandLine;
using System.Text.Json;
using Interp.Host.Commands;
using Interp.Tensors;
using Interp.Tensors.IO;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Cli;

/// <summary>These tests swap Console.Out/Error, which are process-wide: nothing else may run beside them.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public class ConsoleCollection { }

[Collection(nameof(ConsoleCollection))]
public sealed class SaeCliTests : IDisposable
{
    private const string Anchor = "blocks.0.hook_resid_post";
    private readonly TempDir _tmp = new();
    private readonly string _ids, _model = FixtureDir("gpt2-tiny");

    public SaeCliTests()
    {
        _ids = _tmp.File("ids.json");
        File.WriteAllText(_ids, "[[5, 17, 3, 99, 42, 8], [60, 1, 77, 23, 0, 64]]");
    }

    public void Dispose() => _tmp.Dispose();

    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { RunCommand.Create(), SaeCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private string SaveSae(string name, Sae sae) { var d = _tmp.Sub(name); sae.Save(d); return d; }

    [Fact]
    public void SaeEval_PrintsEvaluatorMetricsAsJson()
    {
        using var sae = Random(Cfg("standard", 64, 40, hook: Anchor), 2);
        var dir = SaveSae("eval", sae);
        var (code, stdout, stderr) = Interp("sae", "eval", "--model", _model, "--sae", dir, "--input-ids", _ids, "--dense-threshold", "0.5");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        using var ids = Ids(new long[] { 5, 17, 3, 99, 42, 8 }, new long[] { 60, 1, 77, 23, 0, 64 });
        var r = SaeEvaluator.Evaluate(Gpt2Tiny(), sae, ids, new SaeEvalOptions(DenseThreshold: 0.5));
        Assert.Equal(Anchor, root.GetProperty("hook_name").GetString());
        Assert.Equal(12, root.GetProperty("tokens").GetInt32());
        Assert.Equal(r.Stats.ExplainedVariance, root.GetProperty("reconstruction").GetProperty("explained_variance").GetDouble(), 1e-12);
        Assert.Equal(r.Stats.MseSumOverDIn, root.GetProperty("reconstruction").GetProperty("mse_sum_over_d_in").GetDouble(), 1e-12);
        Assert.Equal(r.Stats.DenseFraction, root.GetProperty("sparsity").GetProperty("dense_fraction").GetDouble(), 1e-12);
        Assert.Equal(r.CeLossRecoveredMean, root.GetProperty("downstream").GetProperty("ce_loss_recovered_mean").GetDouble(), 1e-12);
        Assert.Equal(r.KlScoreZero, root.GetProperty("downstream").GetProperty("kl_score_zero").GetDouble(), 1e-12);
        Assert.Contains("mean_x the mean input over all tokens", root.GetProperty("definitions").GetProperty("explained_variance").GetString());
    }

    [Fact]
    public void Run_WithSae_WritesSaeHooksAndKeepsLogits()
    {
        using var sae = Random(Cfg("topk", 64, 40, k: 5, hook: Anchor), 3);
        var dir = SaveSae("run", sae);
        string plain = _tmp.File("plain.safetensors"), spliced = _tmp.File("spliced.safetensors"), replaced = _tmp.File("replaced.safetensors");
        Assert.Equal(0, Interp("run", "--model", _model, "--input-ids", _ids, "--out", plain).code);
        var (code, _, err) = Interp("run", "--model", _model, "--input-ids", _ids, "--out", spliced, "--sae", dir, "--hooks", "all", "--grad", "loss");
        Assert.True(code == 0, err);
        Assert.Equal(0, Interp("run", "--model", _model, "--input-ids", _ids, "--out", replaced, "--sae", dir, "--sae-replace", "--hooks", Anchor + ".hook_sae_acts_post").code);

        using var p = SafetensorsFile.Open(plain);
        using var s = SafetensorsFile.Open(spliced);
        using var r = SafetensorsFile.Open(replaced);
        var names = new SaeHookNames(Anchor);
        foreach (var n in names.InOrder(includeError: true)) Assert.True(s.Contains("act." + n), $"missing act.{n}");
        Assert.True(s.Contains("grad." + names.ActsPost));
        Assert.Equal("true", s.Metadata["sae_error_term"]);
        using (var a = s.Load("act." + names.ActsPost))
        using (var x = s.Load("act." + Anchor))
        using (var f = sae.Encode(x))
            Assert.Equal(f.ToArray(), a.ToArray());
        using (var lp = p.Load("logits"))
        using (var ls = s.Load("logits"))
        using (var lr = r.Load("logits"))
        {
            Assert.True(MaxDiff(lp, ls) <= 2e-6, "the error term keeps the logits (up to rounding)");
            Assert.True(MaxDiff(lp, lr) > 1e-3, "--sae-replace runs on the reconstruction");
        }
        Assert.False(r.Contains("act." + names.Error));
        Assert.Equal("false", r.Metadata["sae_error_term"]);
    }

    [Theory]
    [InlineData("eval-missing")]
    [InlineData("eval-mismatch")]
    [InlineData("run-missing")]
    [InlineData("run-bad-cfg")]
    public void BadInput_ExitsWithCode2AndOneLine(string which)
    {
        string dir = _tmp.Sub(which);
        string[] args;
        switch (which)
        {
            case "eval-missing":
                args = new[] { "sae", "eval", "--model", _model, "--sae", _tmp.File("nope"), "--input-ids", _ids };
                break;
            case "eval-mismatch":
            {
                using var sae = Random(Cfg("standard", 32, 8, hook: Anchor), 1);
                sae.Save(dir);
                args = new[] { "sae", "eval", "--model", _model, "--sae", dir, "--input-ids", _ids };
                break;
            }
            case "run-missing":
                args = new[] { "run", "--model", _model, "--input-ids", _ids, "--out", _tmp.File("o.safetensors"), "--sae", dir };
                break;
            default:
                File.WriteAllText(Path.Combine(dir, "cfg.json"), """{"architecture": "gated", "d_in": 64, "d_sae": 8}""");
                args = new[] { "run", "--model", _model, "--input-ids", _ids, "--out", _tmp.File("o.safetensors"), "--sae", dir };
                break;
        }
        var (code, stdout, stderr) = Interp(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(which switch
        {
            "eval-missing" => "does not exist",
            "eval-mismatch" => "d_in is 32 but",
            "run-missing" => "has no cfg.json",
            _ => "unknown SAE architecture 'gated'",
        }, stderr);
    }
}

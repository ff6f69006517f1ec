// `interp run` end to end through the System.CommandLine verb (moved from Interp.Models.Tests with issue 13; the work is
// Dictionaries/Runs/ModelRun): on each fixture, every tensor written
// (logits, loss, act.*, grad.*) matches the PyTorch reference; bad input exits with code 2 and one clear line.
using System.CommandLine;
using System.Text.Json;
using Interp.Host.Commands;
using Interp.Models.Tests;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Host.Tests.Commands;

/// <summary>These tests swap Console.Out/Error, which are process-wide: they run in the Cli collection, alone.</summary>
[Collection(CliCollection.Name)]
public sealed class RunCommandTests : IDisposable
{

    /// <summary>fp32 parity bound from the fixtures' README: 1e-4 absolute, scaled by the tensor's magnitude.</summary>
    private const double Tol = 1e-4;

    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "interp-cli-" + Guid.NewGuid().ToString("N"));

    public RunCommandTests() => Directory.CreateDirectory(_tmp);

    public void Dispose()
    {
        try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string File(string name, string text)
    {
        var p = Path.Combine(_tmp, name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    /// <summary>Runs `interp run args...` as the executable would; returns the exit code, stdout and stderr.</summary>
    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { RunCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(new[] { "run" }.Concat(args).ToArray()).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var ex = expected.ToArray(); var ac = actual.ToArray();
        double scale = 1, worst = 0; int at = -1;
        foreach (var x in ex) if (float.IsFinite(x)) scale = Math.Max(scale, Math.Abs(x));
        for (int i = 0; i < ex.Length; i++)
        {
            if (float.IsNegativeInfinity(ex[i])) { Assert.True(float.IsNegativeInfinity(ac[i]), $"{what}[{i}]: expected -inf (masked), got {ac[i]}"); continue; }
            double d = Math.Abs((double)ex[i] - ac[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        Assert.True(worst <= Tol * scale, $"{what}: max |diff| {worst:E3} at {at} exceeds {Tol * scale:E2}");
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Run_AllHooksGradLoss_OutputFileMatchesReference(string name)
    {
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(name), "reference.safetensors"));
        using var idsT = refs.Load("input_ids");
        int b = idsT.Shape[0], t = idsT.Shape[1];
        var flat = idsT.ToArray<long>();
        var ids = File("ids.json", JsonSerializer.Serialize(Enumerable.Range(0, b).Select(i => flat.AsSpan(i * t, t).ToArray())));
        var outPath = Path.Combine(_tmp, "out.safetensors");

        var (code, stdout, stderr) = Interp("--model", Fixture.Dir(name), "--input-ids", ids, "--hooks", "all", "--grad", "loss", "--out", outPath);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        using var summary = JsonDocument.Parse(stdout);
        Assert.Equal(refs.Load("loss").Item(), summary.RootElement.GetProperty("loss").GetDouble(), Tol);

        using var got = SafetensorsFile.Open(outPath);
        Assert.Equal(name.Split('-')[0] switch { "neox" => "gpt_neox", var x => x }, got.Metadata["model_type"]);
        Assert.Equal("none", got.Metadata["weight_processing"]);
        var compared = refs.Names.Where(n => n is "logits" or "loss" || n.StartsWith("act.") || n.StartsWith("grad.")).ToList();
        Assert.True(compared.Count(n => n.StartsWith("grad.")) >= 8);
        foreach (var n in compared)
        {
            Assert.True(got.Contains(n), $"output lacks {n}");
            AssertClose(refs.Load(n), got.Load(n), n);
        }
        // activations: exactly the reference's set (every hook); gradients: at least the reference's
        Assert.Equal(refs.Names.Where(n => n.StartsWith("act.")).Order(), got.Names.Where(n => n.StartsWith("act.")).Order());
        Assert.All(got.Names, n => Assert.True(n is "logits" or "loss" || n.StartsWith("act.") || n.StartsWith("grad."), $"unexpected output {n}"));
    }

    [Fact]
    public void Run_HookListWithoutGrad_WritesOnlyThose()
    {
        var ids = File("ids.json", "[[1, 2, 3, 4], [5, 6, 7, 8]]");
        var outPath = Path.Combine(_tmp, "out.safetensors");
        var (code, _, stderr) = Interp("--model", Fixture.Dir("llama-tiny"), "--input-ids", ids, "--hooks", "blocks.1.attn.hook_rot_k, hook_embed", "--out", outPath);
        Assert.True(code == 0, stderr);
        using var got = SafetensorsFile.Open(outPath);
        Assert.Equal(new[] { "act.blocks.1.attn.hook_rot_k", "act.hook_embed", "logits", "loss" }, got.Names.Order());
        Assert.Equal(new[] { 2, 4, 2, 16 }, got.Info("act.blocks.1.attn.hook_rot_k").Shape);
    }

    [Theory]
    [InlineData("[[1, 2, 3], [4, 5]]", "row 1 has 2 ids but row 0 has 3")]
    [InlineData("[[1, 2.5, 3]]", "integer token ids")]
    [InlineData("[[\"a\", \"b\"]]", "integer token ids")]
    [InlineData("[1, 2, 3]", "array of arrays")]
    [InlineData("not json", "integer token ids")]
    [InlineData("[]", "empty input")]
    [InlineData("[[]]", "empty input")]
    [InlineData("[[1, 2], null]", "row 1 has 0 ids")]
    [InlineData("null", "holds null")]
    [InlineData("[[1, 2, 101]]", "token id 101 at [0, 2] is outside the model's vocabulary 0..100")]
    [InlineData("[[3]]", "at least 2 tokens")]
    public void Run_BadIdsJson_ExitsTwoWithMessage(string json, string message)
    {
        var ids = File("ids.json", json);
        var (code, stdout, stderr) = Interp("--model", Fixture.Dir("gpt2-tiny"), "--input-ids", ids, "--hooks", "all", "--grad", "loss", "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
        Assert.False(System.IO.File.Exists(Path.Combine(_tmp, "o.safetensors")));
    }

    [Fact]
    public void Run_UnknownHook_ExitsTwoSuggestingNearest()
    {
        var ids = File("ids.json", "[[1, 2]]");
        var (code, _, stderr) = Interp("--model", Fixture.Dir("neox-tiny"), "--input-ids", ids, "--hooks", "blocks.0.hook_resid_mid", "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("unknown hook 'blocks.0.hook_resid_mid'", stderr);   // parallel residual: NeoX has no resid_mid
        Assert.Contains("nearest valid names: ", stderr);
    }

    [Fact]
    public void Run_MissingModelDir_ExitsTwoNamingIt()
    {
        var ids = File("ids.json", "[[1, 2]]");
        var missing = Path.Combine(_tmp, "no-model");
        var (code, _, stderr) = Interp("--model", missing, "--input-ids", ids, "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains($"model folder '{missing}' does not exist", stderr);
    }

    [Fact]
    public void Run_MissingIdsFileOrBadGrad_ExitsTwo()
    {
        var (code, _, stderr) = Interp("--model", Fixture.Dir("gpt2-tiny"), "--input-ids", Path.Combine(_tmp, "none.json"), "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
        var ids = File("ids.json", "[[1, 2]]");
        (code, _, stderr) = Interp("--model", Fixture.Dir("gpt2-tiny"), "--input-ids", ids, "--grad", "logits", "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("--grad accepts only 'loss'", stderr);
        (code, _, stderr) = Interp("--model", Fixture.Dir("gpt2-tiny"), "--input-ids", ids, "--grad", "loss", "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("pass --hooks", stderr);
    }

    [Fact]
    public void Run_BrokenCheckpoint_ExitsTwo()
    {
        using var ck = new TempCheckpoint("gpt2-tiny").EditConfig(c => c["n_head"] = 5);
        var ids = File("ids.json", "[[1, 2]]");
        var (code, _, stderr) = Interp("--model", ck.Dir, "--input-ids", ids, "--out", Path.Combine(_tmp, "o.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("not divisible", stderr);
    }
}

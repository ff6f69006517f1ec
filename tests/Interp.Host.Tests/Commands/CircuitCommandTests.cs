// `interp circuit` end to end, as a separate process (so no test swaps the console under another): a toy-world run
// prints JSON whose numbers are the library's, writes the picture and stores the hypothesis; bad input exits 2 with
// one "error:" line and no stack trace.
using System.Diagnostics;
using System.Text.Json;
using Interp.Circuits;

namespace Interp.Host.Tests.Commands;

public sealed class CircuitCommandTests : IDisposable
{
    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "interp-circuit-cli-" + Guid.NewGuid().ToString("N"));

    public CircuitCommandTests() => Directory.CreateDirectory(_tmp);
    public void Dispose() { try { Directory.Delete(_tmp, true); } catch (IOException) { } }

    private static string Repo
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
            throw new DirectoryNotFoundException("no Agent.sln above the test folder; run the tests from the repository.");
        }
    }

    private static readonly string Model = Path.Combine(Repo, "evals", "models", "toy-small");

    private (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _tmp };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "interp.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); Assert.Fail($"interp {string.Join(' ', args)} did not finish in 5 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Circuit_ToyIoi_PrintsJsonWritesPictureAndStoresTheHypothesis()
    {
        string svg = Path.Combine(_tmp, "ioi.svg"), db = Path.Combine(_tmp, "hyp.db");
        var (code, stdout, stderr) = Interp("circuit", "--model", Model, "--task", "ioi", "--prompts", "8", "--check", "-1", "--json", "--graph", svg, "--store", db,
            "--claim", "Two heads carry IOI");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var test = root.GetProperty("proposal").GetProperty("test");
        var att = root.GetProperty("proposal").GetProperty("attribution");
        Assert.Equal(16, att.GetProperty("nodes_scored").GetInt32());
        Assert.Equal(16, att.GetProperty("nodes_checked").GetInt32());
        Assert.Contains(att.GetProperty("scores").EnumerateArray(), s => s.GetProperty("id").GetString() == "L3.H2");
        double f = test.GetProperty("faithfulness").GetDouble();
        double full = test.GetProperty("full_model").GetDouble(), empty = test.GetProperty("empty").GetDouble(), only = test.GetProperty("circuit_only").GetDouble();
        Assert.Equal((only - empty) / (full - empty), f, 9);
        Assert.True(File.Exists(svg) && File.ReadAllText(svg).StartsWith("<svg", StringComparison.Ordinal));
        Assert.Equal(svg, root.GetProperty("picture").GetString());
        var id = root.GetProperty("hypothesis").GetProperty("id").GetString()!;
        using var store = new HypothesisStore(db);
        var h = store.Get(id)!;
        Assert.Equal("Two heads carry IOI", h.Claim);
        Assert.Equal(test.GetProperty("size").GetInt32(), h.Circuit.Size);
        Assert.Equal("interp circuit", h.Provenance.Tool);
    }

    [Fact]
    public void Circuit_GivenCircuit_IsTestedAsStatedAndRecordedAsTheUsers()
    {
        var (code, stdout, stderr) = Interp("circuit", "--model", Model, "--task", "induction", "--prompts", "8", "--ablation", "corrupted",
            "--circuit", "L2.H3, L3.H2", "--claim", "previous-token head L2.H3 feeds induction head L3.H2", "--graph", "none", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var test = doc.RootElement.GetProperty("proposal").GetProperty("test");
        Assert.Equal(new[] { "L2.H3", "L3.H2" }, test.GetProperty("circuit").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToArray());
        Assert.Empty(doc.RootElement.GetProperty("proposal").GetProperty("trace").EnumerateArray());
        var hyp = doc.RootElement.GetProperty("hypothesis");
        Assert.Equal("user", hyp.GetProperty("provenance").GetProperty("proposer").GetString());
        Assert.Contains(hyp.GetProperty("verdict").GetProperty("verdict").GetString(), new[] { "supported", "refuted", "inconclusive" });
        Assert.Equal(test.GetProperty("faithfulness").GetDouble(), hyp.GetProperty("verdict").GetProperty("faithfulness").GetDouble(), 12);
    }

    [Theory]
    [InlineData("--circuit", "L9.H0")]
    [InlineData("--nodes", "cells")]
    [InlineData("--method", "magic")]
    [InlineData("--nodes", "features")]          // no --sae
    [InlineData("--prompts", "0")]
    [InlineData("--graph", "picture.png")]
    public void Circuit_BadOption_ExitsTwoWithOneErrorLine(string option, string value)
    {
        var args = new List<string> { "circuit", "--model", Model, "--task", "ioi", option, value };
        if (option != "--prompts") args.AddRange(["--prompts", "4"]);
        var (code, _, stderr) = Interp(args.ToArray());
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Circuit_PromptFileWithUnequalLengths_NamesThePair()
    {
        var file = Path.Combine(_tmp, "pairs.json");
        File.WriteAllText(file, """{"pairs": [{"clean": "the cat", "corrupted": "the dog", "answer": "cat", "wrong": "dog"}, {"clean": "a red hat", "corrupted": "a hat", "answer": "hat", "wrong": "cat"}]}""");
        var (code, _, stderr) = Interp("circuit", "--model", Model, "--task", file);
        Assert.Equal(2, code);
        Assert.Contains("pairs[1]: clean has 3 tokens but corrupted has 2", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}

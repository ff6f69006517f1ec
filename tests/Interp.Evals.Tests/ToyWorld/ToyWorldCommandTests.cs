// `interp toyworld generate` through System.CommandLine as the executable parses it: writes the folder and prints a
// JSON summary; bad options exit with code 2 and one line on stderr naming the option.
using System.CommandLine;
using System.Text.Json;
using Interp.Evals.ToyWorld;
using Interp.Host.Commands;

namespace Interp.Evals.Tests.ToyWorld;

/// <summary>These tests swap Console.Out/Error, which are process-wide: nothing else may run beside them.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public class ConsoleCollection { }

[Collection(nameof(ConsoleCollection))]
public sealed class ToyWorldCommandTests
{
    private static (int Code, string Stdout, string Stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { ToyWorldCommand.Create() };
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        var o = new StringWriter();
        var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public void Generate_SmallWorld_WritesFilesAndPrintsSummary()
    {
        using var tmp = new TempDir();
        var (code, stdout, stderr) = Interp("toyworld", "generate", "--seed", "3", "--docs", "20", "--eval-prompts", "5", "--gzip", "--out", tmp.Path);
        Assert.True(code == 0, stderr);
        using var summary = JsonDocument.Parse(stdout);
        Assert.Equal(20, summary.RootElement.GetProperty("docs").GetInt32());
        Assert.Equal(20, ToyWorldFiles.ReadDocuments(tmp.Path).Count());
        Assert.Equal(5, ToyWorldFiles.ReadIoiEval(tmp.Path).Count());
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json", "corpus.txt.gz", "labels.jsonl.gz", "ioi_eval.jsonl.gz",
            "induction_eval.jsonl.gz", "world.json", "FORMAT.md" })
            Assert.True(File.Exists(Path.Combine(tmp.Path, f)), f);
        var world = File.ReadAllText(Path.Combine(tmp.Path, "world.json"));
        Assert.Contains("\"command\": \"interp toyworld generate --seed 3 --docs 20 --max-tokens 64 --eval-prompts 5 --gzip --out <DIR>\"", world);
    }

    [Theory]
    [InlineData("--docs", "0", "--docs must be at least 1")]
    [InlineData("--max-tokens", "16", "max tokens per document must be in [32, 4096]")]
    [InlineData("--eval-prompts", "-1", "--eval-prompts must be >= 0")]
    public void Generate_BadOption_ExitCode2WithMessage(string option, string value, string expected)
    {
        using var tmp = new TempDir();
        var args = new List<string> { "toyworld", "generate", "--seed", "1", "--docs", "5", "--out", tmp.Path };
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value; else args.AddRange([option, value]);
        var (code, _, stderr) = Interp([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }
}

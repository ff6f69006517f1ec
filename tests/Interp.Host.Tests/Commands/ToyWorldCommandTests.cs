// `interp toyworld generate` through the real entry point (moved from Interp.Evals.Tests, issue 13): writes the folder
// and prints a JSON summary; bad options exit with code 2 and one line on stderr naming the option.
using System.Text.Json;
using Interp.Evals.ToyWorld;

namespace Interp.Host.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class ToyWorldCommandTests
{
    private static (int Code, string Stdout, string Stderr) Interp(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Generate_SmallWorld_WritesFilesAndPrintsSummary()
    {
        using var tmp = new Scratch();
        var (code, stdout, stderr) = Interp("toyworld", "generate", "--seed", "3", "--docs", "20", "--eval-prompts", "5", "--gzip", "--out", tmp.Dir);
        Assert.True(code == 0, stderr);
        using var summary = JsonDocument.Parse(stdout);
        Assert.Equal(20, summary.RootElement.GetProperty("docs").GetInt32());
        Assert.Equal(20, ToyWorldFiles.ReadDocuments(tmp.Dir).Count());
        Assert.Equal(5, ToyWorldFiles.ReadIoiEval(tmp.Dir).Count());
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json", "corpus.txt.gz", "labels.jsonl.gz", "ioi_eval.jsonl.gz",
            "induction_eval.jsonl.gz", "world.json", "FORMAT.md" })
            Assert.True(File.Exists(Path.Combine(tmp.Dir, f)), f);
        var world = File.ReadAllText(Path.Combine(tmp.Dir, "world.json"));
        Assert.Contains("\"command\": \"interp toyworld generate --seed 3 --docs 20 --max-tokens 64 --eval-prompts 5 --gzip --out <DIR>\"", world);
    }

    [Theory]
    [InlineData("--docs", "0", "--docs must be at least 1")]
    [InlineData("--max-tokens", "16", "max tokens per document must be in [32, 4096]")]
    [InlineData("--eval-prompts", "-1", "--eval-prompts must be >= 0")]
    public void Generate_BadOption_ExitCode2WithMessage(string option, string value, string expected)
    {
        using var tmp = new Scratch();
        var args = new List<string> { "toyworld", "generate", "--seed", "1", "--docs", "5", "--out", tmp.Dir };
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value; else args.AddRange([option, value]);
        var (code, _, stderr) = Interp([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Empty(Directory.GetFiles(tmp.Dir));
    }
}

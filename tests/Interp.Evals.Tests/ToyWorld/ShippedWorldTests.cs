// The committed world in evals/worlds/toy-v1 is what its README's command writes: tokenizer.json and FORMAT.md byte
// for byte, and (documents and prompts depending only on seed and index) the first ones of every data file.
using System.Text.Json;
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.ToyWorld;

public sealed class ShippedWorldTests
{
    private const int Checked = 300;

    private static string ShippedDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return Path.Combine(d.FullName, "evals", "worlds", "toy-v1");
        throw new DirectoryNotFoundException($"no Agent.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }

    private static ToyWorldOptions ShippedOptions(string dir)
    {
        using var world = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "world.json")));
        var w = world.RootElement;
        Assert.True(w.GetProperty("gzip").GetBoolean());
        return new ToyWorldOptions(w.GetProperty("seed").GetUInt64(), w.GetProperty("docs").GetInt32(),
            w.GetProperty("max_tokens").GetInt32(), w.GetProperty("eval_prompts").GetInt32());
    }

    [Fact]
    public void ShippedWorld_FirstDocumentsAndPrompts_EqualARegeneration()
    {
        var dir = ShippedDir();
        var o = ShippedOptions(dir);
        Assert.Equal(1UL, o.Seed);
        Assert.Equal(ToyTokenizerJson.Build(), File.ReadAllBytes(Path.Combine(dir, "tokenizer.json")));
        Assert.Equal(FormatDoc.Build(), File.ReadAllText(Path.Combine(dir, "FORMAT.md")));

        using var tmp = new TempDir();
        ToyWorldWriter.Write(o with { Docs = Checked, EvalPrompts = Checked }, tmp.Path, gzip: false);
        foreach (var f in ToyWorldWriter.DataFiles)
            Assert.Equal(ToyWorldFiles.ReadLines(tmp.Path, f), ToyWorldFiles.ReadLines(dir, f).Take(Checked));
        Assert.Equal(o.Docs, ToyWorldFiles.ReadLines(dir, "corpus.txt").Count());
    }
}

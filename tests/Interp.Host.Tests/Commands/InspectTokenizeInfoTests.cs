// The older verbs on the shipped model, through the real entry point: `inspect` (its JSON equals the library's
// Inspection records), `tokenize` (ids equal the tokenizer's) and `info` (names the active backend).
using System.Text.Json;
using Interp.Models;
using Interp.Models.Analysis;
using Interp.Models.Tokenizers;

namespace Interp.Host.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class InspectTokenizeInfoTests
{
    private static readonly string Model = Path.Combine(CliHarness.RepoRoot, "evals/models/english-small");

    [Fact]
    public void Inspect_Json_EqualsTheLibraryRecords()
    {
        var r = CliHarness.Run("inspect", "--model", Model, "--text", "And God said", "--top", "2", "--json", "--sae", "none");
        Assert.True(r.Code == 0, r.ToString());
        var reports = Inspection.Run(ModelLoader.Load(Model), TokenizerLoader.Load(Model), "And God said", 2, 2, 2);
        using var doc = JsonDocument.Parse(r.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(reports.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(reports[i].Token, rows[i].GetProperty("Token").GetString());
            Assert.Equal(reports[i].Predictions.Select(p => p.TokenId), rows[i].GetProperty("Predictions").EnumerateArray().Select(p => p.GetProperty("TokenId").GetInt32()));
        }
    }

    [Fact]
    public void Inspect_TopOutOfRange_Exit2()
    {
        var r = CliHarness.Run("inspect", "--model", Model, "--text", "And", "--top", "0");
        Assert.Equal(2, r.Code);
        Assert.Contains("--top must be between 1 and 50", r.Stderr);
    }

    [Fact]
    public void Tokenize_IdsEqualTheTokenizers()
    {
        string input = Path.Combine(Path.GetTempPath(), $"interp-tok-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, "[\"And God said\", \"Let there be light\"]");
        try
        {
            var r = CliHarness.Run("tokenize", "--tokenizer", Model, "--input", input);
            Assert.True(r.Code == 0, r.ToString());
            var tok = TokenizerLoader.Load(Model);
            var ids = JsonSerializer.Deserialize<int[][]>(r.Stdout)!;
            Assert.Equal(tok.Encode("And God said"), ids[0]);
            Assert.Equal(tok.Encode("Let there be light"), ids[1]);
        }
        finally { File.Delete(input); }
    }

    [Fact]
    public void Info_NamesTheBackend()
    {
        var r = CliHarness.Run("info");
        Assert.Equal(0, r.Code);
        Assert.Contains($"backend: {Interp.Tensors.Backend.Current.Name}", r.Stdout);
        Assert.Matches(@"threads: \d+", r.Stdout);
    }
}

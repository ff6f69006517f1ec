// FORMAT.md documents exactly the keys the writer emits: each "## <file>" table is parsed and compared, in order, with
// the keys of every JSON object in that file; and it lists every template and category.
using System.Text.Json;
using System.Text.RegularExpressions;
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.ToyWorld;

public sealed partial class FormatDocTests
{
    [GeneratedRegex(@"^\| `([a-z_0-9]+)` \|")]
    private static partial Regex FieldRow();

    /// <summary>Field names of the table under "## file" in FORMAT.md, in order.</summary>
    private static List<string> DocumentedFields(string markdown, string file)
    {
        var lines = markdown.Split('\n');
        int start = Array.IndexOf(lines, "## " + file);
        Assert.True(start >= 0, $"FORMAT.md has no section '## {file}'");
        var fields = new List<string>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
            if (FieldRow().Match(lines[i]) is { Success: true } m) fields.Add(m.Groups[1].Value);
        return fields;
    }

    private static List<string> Keys(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
    }

    [Theory]
    [InlineData("labels.jsonl")]
    [InlineData("ioi_eval.jsonl")]
    [InlineData("induction_eval.jsonl")]
    public void FormatMd_JsonlFieldTable_EqualsKeysOfEveryLine(string file)
    {
        var documented = DocumentedFields(File.ReadAllText(Path.Combine(SharedWorld.Path, "FORMAT.md")), file);
        Assert.NotEmpty(documented);
        int lines = 0;
        foreach (var line in ToyWorldFiles.ReadLines(SharedWorld.Path, file))
        {
            Assert.Equal(documented, Keys(line));
            lines++;
        }
        Assert.True(lines > 0);
    }

    [Fact]
    public void FormatMd_WorldJsonTable_EqualsItsKeys()
    {
        var documented = DocumentedFields(File.ReadAllText(Path.Combine(SharedWorld.Path, "FORMAT.md")), "world.json");
        Assert.Equal(documented, Keys(File.ReadAllText(Path.Combine(SharedWorld.Path, "world.json"))));
    }

    [Fact]
    public void FormatMd_ListsEveryTemplateAndCategory()
    {
        var md = File.ReadAllText(Path.Combine(SharedWorld.Path, "FORMAT.md"));
        foreach (var t in Templates.All) Assert.Contains($"| {t.Id} | {t.Name} | {t.Kind} | `{t.Pattern}` |", md);
        foreach (var (name, words) in Lexicon.Categories) Assert.Contains($"| {name} | {words.Length} |", md);
    }
}

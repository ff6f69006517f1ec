// The malformed-input table: every row of the *Cases tables run through the real `interp` entry point. Each must exit 2
// with one clean message: "error: " first, the file and field it names, no stack frame, no .NET exception type name.
using System.Text.RegularExpressions;

namespace Interp.Host.Tests.Malformed;

[Collection(CliCollection.Name)]
public sealed partial class MalformedInputTests
{
    public static IReadOnlyList<MalformedCase> Table { get; } =
    [
        .. SafetensorsCases.All(), .. ConfigJsonCases.All(), .. TokenizerJsonCases.All(), .. SaeCfgCases.All(), .. InputIdsCases.All(),
        .. CliArgumentCases.All(), .. OutputPathCases.All(), .. EnvironmentCases.All(), .. TrainingConfigCases.All(),
    ];

    private static readonly Dictionary<string, MalformedCase> ById = Table.ToDictionary(c => c.Id);

    public static TheoryData<string> Ids => new(Table.Select(c => c.Id));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Run_MalformedInput_ExitsTwoNamingFileAndField(string id)
    {
        var c = ById[id];
        using var s = new Scratch();
        var inv = c.Arrange(s);
        var r = CliHarness.Run(inv.Args, inv.Env);
        AssertCleanError(r);
        foreach (var fragment in c.Expect)
            Assert.True(r.Stderr.Contains(fragment, StringComparison.Ordinal), $"stderr does not name '{fragment}':\n{r}");
    }

    [Fact]
    public void Table_HasAtLeast150CasesAndEveryKind()
    {
        Assert.True(Table.Count >= 150, $"{Table.Count} cases");
        Assert.Equal(Table.Count, ById.Count);   // ids are unique
        var kinds = Table.Select(c => c.Kind).Distinct().ToHashSet();
        foreach (var k in new[] { "safetensors", "config.json", "tokenizer.json", "cfg.json", "input ids", "CLI arguments", "output paths", "environment", "training configs" })
            Assert.Contains(k, kinds);
        Assert.All(Table, c => Assert.NotEmpty(c.Expect));
    }

    /// <summary>Exit 2, one "error: " line on stderr (progress lines of a run that got that far may precede it), and
    /// nothing a user should never see.</summary>
    internal static void AssertCleanError(CliResult r)
    {
        Assert.True(r.Code == 2, $"expected exit 2:\n{r}");
        Assert.True(r.Stderr.Split('\n').Count(l => l.StartsWith("error: ", StringComparison.Ordinal)) == 1, $"expected one 'error: ' line:\n{r}");
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("internal error", r.Stderr);
        Assert.False(TypeName().IsMatch(r.Stderr), $"stderr names a .NET type:\n{r}");
    }

    [GeneratedRegex(@"\b\w*Exception\b|\bSystem\.[A-Z]\w+")]
    private static partial Regex TypeName();
}

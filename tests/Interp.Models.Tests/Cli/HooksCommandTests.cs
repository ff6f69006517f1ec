// `interp hooks` through the System.CommandLine verb: the table as text (the golden table) and as JSON, and bad input
// (no such folder, no config.json) as exit 2 with one line.
using System.CommandLine;
using System.Text.Json;
using Interp.Host.Commands;

namespace Interp.Models.Tests.Cli;

[Collection(nameof(ConsoleCollection))]
public sealed class HooksCommandTests
{
    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { HooksCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(new[] { "hooks" }.Concat(args).ToArray()).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Hooks_Text_IsTheGoldenTable(string name)
    {
        var (code, stdout, stderr) = Interp("--model", Fixture.Dir(name));
        Assert.True(code == 0, stderr);
        string type = name switch { "neox-tiny" => "gpt_neox", "llama-tiny" => "llama", _ => "gpt2" };
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", $"hooktable.{type}.txt")), stdout);
    }

    [Fact]
    public void Hooks_Json_ListsEveryPointWithDims()
    {
        var (code, stdout, stderr) = Interp("--model", Fixture.Dir("neox-tiny"), "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("gpt_neox", doc.RootElement.GetProperty("model_type").GetString());
        var hooks = doc.RootElement.GetProperty("hooks").EnumerateArray().ToList();
        var golden = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Golden", "hooks.gpt_neox.txt"));
        Assert.Equal(golden, hooks.Select(h => h.GetProperty("name").GetString()));
        var q = hooks.Single(h => h.GetProperty("name").GetString() == "blocks.1.attn.hook_q");
        Assert.Equal((1, "q", "[batch, pos, head_index, d_head]"), (q.GetProperty("layer").GetInt32(), q.GetProperty("kind").GetString(), q.GetProperty("shape").GetString()));
        Assert.Equal(JsonValueKind.Null, q.GetProperty("dims")[0].GetProperty("size").ValueKind);
        Assert.Equal(JsonValueKind.Null, hooks[0].GetProperty("layer").ValueKind);   // hook_embed is outside the blocks
    }

    [Fact]
    public void Hooks_BadModelFolder_Exit2OneLine()
    {
        var (code, _, stderr) = Interp("--model", Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(2, code);
        Assert.StartsWith("error: --model", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}

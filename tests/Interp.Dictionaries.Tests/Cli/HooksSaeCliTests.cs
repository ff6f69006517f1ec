// `interp hooks --sae`: the SAE's hook_sae_* points appear right after its hook_name with their kinds and d_in / d_sae
// shapes (as `interp run --sae` splices it; without hook_sae_error under --sae-replace), from cfg.json alone; an SAE
// that does not fit the model is exit 2 with the reason.
using System.CommandLine;
using Interp.Host.Commands;
using Interp.Models;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Cli;

[Collection(nameof(ConsoleCollection))]
public sealed class HooksSaeCliTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { HooksCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(new[] { "hooks" }.Concat(args).ToArray()).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private string Saved(SaeConfig cfg) { var d = _tmp.Sub(Guid.NewGuid().ToString("N")); using var s = Random(cfg, 1); s.Save(d); return d; }

    [Fact]
    public void Hooks_WithSae_ListsItsPointsAfterTheAnchor()
    {
        const string anchor = "blocks.1.hook_mlp_out";
        string dir = Saved(Cfg("topk", 64, 40, k: 4, hook: anchor));
        var (code, stdout, stderr) = Interp("--model", FixtureDir("gpt2-tiny"), "--sae", dir);
        Assert.True(code == 0, stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        int at = rows.FindIndex(r => r[0] == anchor);
        var sae = rows.Skip(at + 1).Take(6).ToList();
        Assert.Equal(new SaeHookNames(anchor).InOrder(includeError: true), sae.Select(r => r[0]));
        Assert.Equal(new[] { "1", "sae_acts_post", "[batch,", "pos,", "d_sae]", "d_sae=40" }, sae[2][1..]);
        Assert.Equal(new[] { "1", "sae_input", "[batch,", "pos,", "d_in]", "d_in=64" }, sae[0][1..]);
        using (var m = ModelLoader.Load(FixtureDir("gpt2-tiny"))) Assert.Equal(m.HookTable.Count + 6, rows.Count);

        (code, stdout, _) = Interp("--model", FixtureDir("gpt2-tiny"), "--sae", dir, "--sae-replace");
        Assert.Equal(0, code);
        Assert.DoesNotContain("hook_sae_error", stdout);
        Assert.Contains(anchor + ".hook_sae_output", stdout);
    }

    [Fact]
    public void Hooks_SaeThatDoesNotFit_Exit2WithTheReason()
    {
        string dir = Saved(Cfg("standard", 32, 40, hook: "blocks.0.hook_resid_post"));
        var (code, _, stderr) = Interp("--model", FixtureDir("gpt2-tiny"), "--sae", dir);
        Assert.Equal(2, code);
        Assert.Contains("d_in = 32 but 'blocks.0.hook_resid_post'", stderr);
        string pattern = Saved(Cfg("standard", 64, 40, hook: "blocks.0.attn.hook_pattern"));
        (code, _, stderr) = Interp("--model", FixtureDir("gpt2-tiny"), "--sae", pattern);
        Assert.Equal(2, code);
        Assert.Contains("key positions", stderr);
    }
}

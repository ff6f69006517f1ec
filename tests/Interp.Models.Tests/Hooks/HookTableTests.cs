// The hook table: golden tables (name, layer, kind, shape, sizes) per fixture architecture, its names equal to the
// golden hook lists, lookups by kind and layer, splices inserting their points after the anchor, and clear errors.
using Interp.Host.Commands;

namespace Interp.Models.Tests.Hooks;

public class HookTableTests
{
    private static ModelConfig Config(string fixture) => HfConfigReader.Read(Path.Combine(Fixture.Dir(fixture), "config.json"));

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Table_MatchesGoldenFile(string name)
    {
        var table = HookTable.For(Config(name));
        string file = $"hooktable.{table.Config.ModelType}.txt", text = HooksCommand.Text(table);
        if (Environment.GetEnvironmentVariable("INTERP_UPDATE_GOLDEN") is { Length: > 0 } srcDir)
            File.WriteAllText(Path.Combine(srcDir, file), text); // regenerate: INTERP_UPDATE_GOLDEN=<tests/.../Golden>, then review the diff
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", file)), text);
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Names_EqualTheGoldenHookList_AndTheModels(string name)
    {
        var table = HookTable.For(Config(name));
        var golden = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Golden", $"hooks.{table.Config.ModelType}.txt"));
        Assert.Equal(golden, table.Names);
        using var model = ModelLoader.Load(Fixture.Dir(name));
        Assert.Equal(golden, model.HookNames);
        Assert.Equal(golden, model.HookTable.Select(p => p.Name));
    }

    [Fact]
    public void Lookups_ByKindAndLayer_GiveRecordsWithShapes()
    {
        var t = HookTable.For(Config("llama-tiny"));   // d_model 64, 4 heads of 16, 2 kv heads, d_mlp 160
        var k = t[t.Name(HookKind.K, 1)];
        Assert.Equal(("blocks.1.attn.hook_k", 1, "[batch, pos, kv_head_index, d_head]"), (k.Name, k.Layer, k.Shape));
        Assert.Equal(32, k.Width);
        Assert.True(k.HasHeadAxis);
        var z = t[t.Name(HookKind.Z, 0)];
        Assert.Equal((64, "[batch, pos, head_index, d_head]"), (z.Width, z.Shape));
        var pattern = t[t.Name(HookKind.Pattern, 0)];
        Assert.Equal("[batch, head_index, query_pos, key_pos]", pattern.Shape);
        Assert.Null(pattern.Width);                                   // not one vector per token
        Assert.Equal(160, t[t.Name(HookKind.MlpPreLinear, 1)].Width);
        Assert.Equal(1, t[t.Name(HookKind.Ln2Scale, 0)].Width);
        Assert.Null(t.Find(HookKind.PosEmbed));                       // rotary: no learned positions
        Assert.Equal(2, t.OfKind(HookKind.ResidPost).Count());
        Assert.Contains("has no pos_embed hook", Assert.Throws<ArgumentException>(() => t.Name(HookKind.PosEmbed)).Message);
        Assert.Contains("blocks 0..1", Assert.Throws<ArgumentException>(() => t.Name(HookKind.ResidPre, 5)).Message);
    }

    [Fact]
    public void UnknownName_FailsWithTheNearestNames()
    {
        var t = HookTable.For(Config("gpt2-tiny"));
        var e = Assert.Throws<ArgumentException>(() => t["blocks.0.hook_resid_psot"]);
        Assert.Contains("nearest valid names: blocks.0.hook_resid_post", e.Message);
    }

    [Fact]
    public void WithSplice_InsertsSaePointsAfterTheAnchor()
    {
        var t = HookTable.For(Config("gpt2-tiny"));
        var anchor = t[t.Name(HookKind.ResidPost, 0)];
        var pts = HookTable.SaePoints(anchor, 64, 96, includeError: true);
        var s = t.WithSplice(anchor.Name, pts);
        int at = s.IndexOf(anchor.Name);
        Assert.Equal(new[] { "hook_sae_input", "hook_sae_acts_pre", "hook_sae_acts_post", "hook_sae_recons", "hook_sae_error", "hook_sae_output" }
            .Select(x => anchor.Name + "." + x), s.Names.Skip(at + 1).Take(6));
        var post = s[anchor.Name + ".hook_sae_acts_post"];
        Assert.Equal((HookKind.SaeActsPost, 0, "[batch, pos, d_sae]", 96, anchor.Name), (post.Kind, post.Layer, post.Shape, post.Width, post.SplicedAt));
        Assert.Equal(t.Count + 6, s.Count);
        Assert.Equal(t.Count, t.Count());                          // the model's table is unchanged
        Assert.Equal(5, HookTable.SaePoints(anchor, 64, 96, includeError: false).Count);
    }

    [Fact]
    public void ModelSplice_RebuildsTheTable_AndRestoresItOnDispose()
    {
        using var m = ModelLoader.Load(Fixture.Dir("gpt2-tiny"));
        var before = m.HookTable;
        var anchor = before[before.Name(HookKind.ResidMid, 1)];
        using (m.Splice(anchor.Name, HookTable.SaePoints(anchor, 64, 8, includeError: false), (x, _) => x))
        {
            Assert.Equal(before.Count + 5, m.HookTable.Count);
            m.ValidateHookName(anchor.Name + ".hook_sae_recons");
        }
        Assert.Same(before, m.HookTable);
        Assert.Throws<ArgumentException>(() => m.ValidateHookName(anchor.Name + ".hook_sae_recons"));
    }
}

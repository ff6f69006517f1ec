// Node ids: every node of every universe parses back to itself (with positions), bad ids get an error that shows
// what ids look like, and masks pick exactly a node's slice (negative positions count from each prompt's end).
using Interp.Dictionaries;
using Interp.Models;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Nodes;

public class NodeUniverseTests
{
    [Fact]
    public void Parse_EveryNodeId_RoundTrips()
    {
        var cfg = TinyConfig(2);
        using var sae = Sae(5, "blocks.1.hook_resid_post");
        foreach (var u in new[] { NodeUniverse.Heads(cfg), NodeUniverse.Neurons(cfg), NodeUniverse.Features(cfg, new[] { sae }) })
            foreach (var n in u.Nodes)
            {
                Assert.Equal(n, u.Parse(n.Id));
                Assert.Equal(n with { Position = -1 }, u.Parse(n.Id + "@-1"));
            }
        var f = NodeUniverse.Features(cfg, new[] { sae });
        Assert.Equal(6, f.Count);
        Assert.Equal(new SaeHookNames("blocks.1.hook_resid_post").Error, f.Parse("blocks.1.hook_resid_post/ERR").Hook);
        Assert.Equal(1, f.Parse("blocks.1.hook_resid_post/F3").Layer);
    }

    [Theory]
    [InlineData("L2.H0")]      // no layer 2
    [InlineData("L0.H2")]      // 2 heads
    [InlineData("L0.X1")]
    [InlineData("L0.N0")]      // a neuron in the heads universe
    [InlineData("L0.H0@x")]
    public void Parse_BadId_SaysWhatIdsLookLike(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => NodeUniverse.Heads(TinyConfig(2)).Parse(id));
        Assert.Contains(id.Split('@')[0], e.Message);
        Assert.Contains(id.Contains('@') ? "position" : "L0.H0", e.Message);
    }

    [Fact]
    public void Mask_HeadAtLastPosition_PicksEachPromptsOwnLastToken()
    {
        var cfg = TinyConfig(1);
        var u = NodeUniverse.Heads(cfg);
        var set = Pairs(2, 5, MetricSpec.LogitDiff, ragged: true);       // lengths 5 and 4
        using var batch = new PromptBatch(set.Pairs, 0, 0);
        var g = u.Groups[0];
        using var mask = g.Mask([2, 5, H, Dh], [u.Parse("L0.H1@-1")], batch);
        var m = mask.ToArray();
        for (int b = 0; b < 2; b++)
            for (int p = 0; p < 5; p++)
                for (int h = 0; h < H; h++)
                    for (int e = 0; e < Dh; e++)
                    {
                        bool want = h == 1 && p == (b == 0 ? 4 : 3);
                        Assert.Equal(want ? 1f : 0f, m[((b * 5 + p) * H + h) * Dh + e]);
                    }
    }

    [Fact]
    public void Mask_Broadcast_EqualsTheFullMaskAtEveryPosition()
    {
        var u = NodeUniverse.Neurons(TinyConfig(1));
        var set = Pairs(3, 4, MetricSpec.LogitDiff);
        using var batch = new PromptBatch(set.Pairs, 0, 0);
        var nodes = new[] { u.Parse("L0.N3"), u.Parse("L0.N7") };
        using var full = u.Groups[0].Mask([3, 4, M], nodes, batch);
        using var small = u.Groups[0].Mask([3, 4, M], nodes, batch, broadcast: true);
        Assert.Equal(new[] { 3, 1, M }, small.Shape);
        using var expanded = small.Expand(3, 4, M).Contiguous();
        Assert.Equal(full.ToArray(), expanded.ToArray());
        Assert.Equal(3 * 4 * 2, full.ToArray().Count(x => x == 1f));
        Assert.Throws<ArgumentException>(() => u.Groups[0].Mask([3, 4, M], [u.Parse("L0.N3@1")], batch, broadcast: true));
    }

    [Fact]
    public void Features_TwoSaesAtOneHook_AreRefused()
    {
        using var a = Sae(4, "blocks.0.hook_resid_post", seed: 1);
        using var b = Sae(4, "blocks.0.hook_resid_post", seed: 2);
        Assert.Contains("one SAE per hook", Assert.Throws<ArgumentException>(() => NodeUniverse.Features(TinyConfig(1), new[] { a, b })).Message);
    }
}

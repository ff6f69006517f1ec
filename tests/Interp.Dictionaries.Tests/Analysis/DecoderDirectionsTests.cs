using Interp.Dictionaries.Analysis;
using Interp.Dictionaries.Cache;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Analysis;

public class DecoderDirectionsTests
{
    [Fact]
    public void Load_SavedSae_RowsAndIdentityOfTheFolder()
    {
        using var tmp = new TempDir();
        using var sae = Random(Cfg("topk", 8, 12, k: 2), seed: 5);
        var w = sae.WDec.ToArray();
        Array.Clear(w, 3 * 8, 8);                                      // feature 3: a dead, all-zero row
        using var dead = new Sae(sae.Cfg, sae.WEnc.Detach(), sae.BEnc.Detach(), Interp.Tensors.Tensor.FromArray(w, 12, 8), sae.BDec.Detach());
        string dir = tmp.Sub("my-sae");
        dead.Save(dir);
        var d = DecoderDirections.Load(dir);
        Assert.Equal("my-sae", d.Name);
        Assert.Equal(CacheInputs.FromDirectories(dir, dir).SaeFingerprint, d.SaeId);
        Assert.Equal(64, d.SaeId.Length);
        Assert.Equal(w.AsSpan(5 * 8, 8).ToArray(), d.Row(5));
        Assert.Null(d.Row(3));
        Assert.Throws<ArgumentException>(() => d.Row(12));
    }
}

// An SAE's decoder directions (W_dec rows, [d_sae, d_in]) with the SAE's identity hash: what the feature index stores
// as each feature's `decoder` vector and what `interp search --feature` looks up neighbours of.
using Interp.Dictionaries.Cache;

namespace Interp.Dictionaries.Analysis;

public sealed class DecoderDirections
{
    private readonly float[] _w;   // [d_sae, d_in], row-major

    /// <summary>SHA-256 of cfg.json and sae_weights.safetensors, as the latent cache and the FeatureRecord's SaeIdentity.Id use it.</summary>
    public string SaeId { get; }
    public string Name { get; }
    public SaeConfig Cfg { get; }
    public int DIn => Cfg.DIn;
    public int DSae => Cfg.DSae;

    private DecoderDirections(string saeId, string name, SaeConfig cfg, float[] w) { SaeId = saeId; Name = name; Cfg = cfg; _w = w; }

    public static DecoderDirections Load(string saeDir)
    {
        using var sae = Sae.Load(saeDir);
        return new DecoderDirections(Fingerprint(saeDir), Path.GetFileName(Path.GetFullPath(saeDir).TrimEnd('/')), sae.Cfg, sae.WDec.ToArray());
    }

    /// <summary>The SAE identity hash of a folder (the latent cache's SAE fingerprint).</summary>
    public static string Fingerprint(string saeDir) => CacheInputs.FromDirectories(saeDir, saeDir).SaeFingerprint;

    /// <summary>Feature <paramref name="feature"/>'s decoder row (a copy), or null when it is all zeros (no direction).</summary>
    public float[]? Row(int feature)
    {
        if (feature < 0 || feature >= DSae) throw new ArgumentException($"feature {feature} is outside this SAE's 0..{DSae - 1}.");
        var row = _w.AsSpan(feature * DIn, DIn);
        foreach (var v in row) if (v != 0) return row.ToArray();
        return null;
    }
}

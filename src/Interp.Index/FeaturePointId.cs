// Point ids for features: a name-based UUID (RFC 4122 version 5, SHA-1) of "sae_id/feature" in Interp's own namespace.
// Deterministic, so upserting a feature again replaces it (in SQLite and in Qdrant, whose ids are u64 or UUID).
using System.Security.Cryptography;
using System.Text;

namespace Interp.Index;

public static class FeaturePointId
{
    /// <summary>The namespace UUID of Interp feature ids (fixed forever: changing it re-keys every index).</summary>
    public static readonly Guid Namespace = new("3f6c2b1e-8d4a-5e07-9b2c-7a1d0e4f6b58");

    public static Guid For(string saeId, int feature)
    {
        ArgumentException.ThrowIfNullOrEmpty(saeId);
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        return V5(Namespace, $"{saeId}/{feature}");
    }

    /// <summary>RFC 4122 §4.3: SHA-1 over the namespace's bytes (network order) and the UTF-8 name; version 5, variant 10.</summary>
    internal static Guid V5(Guid ns, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buf = new byte[16 + nameBytes.Length];
        ns.TryWriteBytes(buf, bigEndian: true, out _);
        nameBytes.CopyTo(buf, 16);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(buf, hash);
        var b = hash[..16];
        b[6] = (byte)((b[6] & 0x0F) | 0x50);
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new Guid(b, bigEndian: true);
    }

    /// <summary>The canonical text form ("8-4-4-4-12", lower case) both stores use; its ordinal order is the UUID's byte
    /// order, which is the order Qdrant scrolls UUID ids in.</summary>
    public static string Text(Guid id) => id.ToString("D");
}

// Writes a cache's stored activations as NumPy .npy files (context, position, feature, value per activation, in storage
// order, and the token ids [contexts, context length]) plus meta.json, so other tools (the NumPy reference pass of
// `bench --only latentcache_`, notebooks) read exactly what finalize reads. Not a format the cache itself reads back.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Interp.Dictionaries.Cache;

public static class CacheExport
{
    /// <summary>Writes context.npy (int32), position.npy (int32), feature.npy (uint16 when d_sae ≤ 65536, else int32),
    /// value.npy (float32), tokens.npy (int32 [contexts, T]) and meta.json into <paramref name="dir"/> (created when
    /// absent). Returns the activations written.</summary>
    public static long WriteNpy(LatentCache cache, string dir)
    {
        Directory.CreateDirectory(dir);
        var info = cache.Info;
        int t = info.ContextLength;
        bool narrow = info.DSae <= 1 << 16;
        long n = info.Activations;
        using var ctx = Npy(Path.Combine(dir, "context.npy"), "<i4", n);
        using var pos = Npy(Path.Combine(dir, "position.npy"), "<i4", n);
        using var feat = Npy(Path.Combine(dir, "feature.npy"), narrow ? "<u2" : "<i4", n);
        using var val = Npy(Path.Combine(dir, "value.npy"), "<f4", n);
        using var tok = Npy(Path.Combine(dir, "tokens.npy"), "<i4", info.Contexts, t);
        var b4 = new byte[4];
        long written = 0;
        for (long c = 0; c < info.Contexts; c++)
        {
            foreach (int id in cache.ContextTokens(c)) { BinaryPrimitives.WriteInt32LittleEndian(b4, id); tok.Write(b4); }
            var a = cache.ContextActivations(c);
            for (int i = 0; i < a.Values.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(b4, (int)c); ctx.Write(b4);
                BinaryPrimitives.WriteInt32LittleEndian(b4, a.Positions[i]); pos.Write(b4);
                if (narrow) { BinaryPrimitives.WriteUInt16LittleEndian(b4, (ushort)a.Features[i]); feat.Write(b4.AsSpan(0, 2)); }
                else { BinaryPrimitives.WriteInt32LittleEndian(b4, a.Features[i]); feat.Write(b4); }
                BinaryPrimitives.WriteSingleLittleEndian(b4, a.Values[i]); val.Write(b4);
            }
            written += a.Values.Length;
        }
        if (written != n) throw new InvalidDataException($"the latent cache '{info.Path}' holds {written} activations where its meta says {n}; rebuild it.");
        File.WriteAllText(Path.Combine(dir, "meta.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["cache"] = info.Path, ["d_sae"] = info.DSae, ["context"] = t, ["contexts"] = info.Contexts, ["activations"] = n,
            ["finalize_key"] = info.Meta.GetValueOrDefault("finalize_key", ""),
        }));
        return n;
    }

    /// <summary>An .npy file (format 1.0, C order) open for its data, which the caller writes.</summary>
    private static BufferedStream Npy(string path, string descr, params long[] shape)
    {
        string dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}";
        int total = (10 + header.Length + 1 + 63) / 64 * 64;          // magic, version, length, header, '\n': a multiple of 64
        header = header.PadRight(total - 10 - 1) + "\n";
        var s = new BufferedStream(new FileStream(path, FileMode.Create, FileAccess.Write), 1 << 20);
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);     // magic, format version 1.0
        var len = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        s.Write(len);
        s.Write(Encoding.ASCII.GetBytes(header));
        return s;
    }
}

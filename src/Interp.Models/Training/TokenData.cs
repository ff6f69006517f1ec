// Token-id corpora for training and baselines: .bin files of little-endian int32 ids (no header), or text
// (.txt, or gzip-compressed .gz) encoded with the tokenizer on load. Also a fingerprint of the ids so a resumed
// run can tell the corpus changed. Not batching (BatchSampler).
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Interp.Models.Tokenizers;

namespace Interp.Models.Training;

public static class TokenData
{
    /// <summary>Reads ids from a .bin file, or encodes a text file (.gz is decompressed) with <paramref name="tokenizer"/>.
    /// Every id is checked against the tokenizer's vocabulary.</summary>
    public static int[] Load(string path, ITokenizer tokenizer, string what = "corpus")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} '{path}' does not exist.", path);
        int[] ids = path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) ? ReadBin(path) : tokenizer.Encode(ReadText(path));
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)tokenizer.VocabSize)
                throw new InvalidDataException($"{what} '{path}': token id {ids[i]} at position {i} is outside the tokenizer's vocabulary (0..{tokenizer.VocabSize - 1}); was it encoded with another tokenizer?");
        return ids;
    }

    /// <summary>The text of a .txt or .gz (gzip) file, as UTF-8.</summary>
    public static string ReadText(string path)
    {
        Interp.Tensors.IO.InputFiles.RequireRegular(path, "the text file");
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllText(path, Encoding.UTF8);
        using var fs = File.OpenRead(path);
        using var gz = new GZipStream(fs, CompressionMode.Decompress);
        using var r = new StreamReader(gz, Encoding.UTF8);
        try { return r.ReadToEnd(); }
        catch (InvalidDataException e) { throw new InvalidDataException($"'{path}' is not a valid gzip file: {e.Message}", e); }
    }

    public static int[] ReadBin(string path)
    {
        var bytes = Interp.Tensors.IO.InputFiles.ReadAllBytes(path, "the .bin corpus");
        if (bytes.Length % 4 != 0)
            throw new InvalidDataException($"'{path}' has {bytes.Length} bytes, not a multiple of 4; a .bin corpus holds little-endian int32 token ids (write one with `interp corpus encode`).");
        var ids = new int[bytes.Length / 4];
        for (int i = 0; i < ids.Length; i++) ids[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        return ids;
    }

    public static void WriteBin(string path, ReadOnlySpan<int> ids)
    {
        var bytes = new byte[ids.Length * 4];
        for (int i = 0; i < ids.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), ids[i]);
        Interp.Tensors.IO.AtomicFile.WriteAllBytes(path, bytes, "--out");
    }

    /// <summary>"n:hash" with FNV-1a 64 over the ids: equal corpora give equal fingerprints.</summary>
    public static string Fingerprint(ReadOnlySpan<int> ids)
    {
        ulong h = 14695981039346656037UL;
        foreach (int id in ids)
            for (int k = 0; k < 4; k++) { h ^= (byte)(id >> (8 * k)); h *= 1099511628211UL; }
        return $"{ids.Length}:{h:x16}";
    }
}

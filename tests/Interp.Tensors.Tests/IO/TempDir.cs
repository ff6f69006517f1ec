// A scratch directory per test class, deleted afterwards, plus a helper that crafts raw safetensors
// bytes (length prefix + header text + data) so malformed files can be built byte by byte.
using System.Text;

namespace Interp.Tensors.Tests.IO;

public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-io-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes [u64 length][header][data]; <paramref name="lengthPrefix"/> overrides the stated header length.</summary>
    public string Craft(string name, string header, byte[]? data = null, ulong? lengthPrefix = null) =>
        CraftBytes(name, Encoding.UTF8.GetBytes(header), data, lengthPrefix);

    public string CraftBytes(string name, byte[] header, byte[]? data = null, ulong? lengthPrefix = null)
    {
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes(lengthPrefix ?? (ulong)header.Length));
        bytes.AddRange(header);
        if (data is not null) bytes.AddRange(data);
        string p = File(name);
        System.IO.File.WriteAllBytes(p, bytes.ToArray());
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

// GPT-2's reversible byte <-> printable-char mapping used by byte-level BPE ("Ġ" is the space byte 0x20).
// Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100.. in byte order. Not a tokenizer by itself.
using System.Text;

namespace Interp.Models.Tokenizers;

internal static class ByteLevelMap
{
    /// <summary>ByteToChar[b] is the char that stands for byte b in vocab strings.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>CharToByte[c] for c &lt; 0x200 is the byte char c stands for, or -1 when c is no byte char.</summary>
    private static readonly short[] CharToByteTable = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[0x200];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++) table[ByteToChar[b]] = (short)b;
        return table;
    }

    public static int CharToByte(char c) => c < 0x200 ? CharToByteTable[c] : -1;

    /// <summary>The byte-char string of a text's UTF-8 bytes.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = ByteToChar[src[i]];
        });
    }

    /// <summary>Appends the bytes a token stands for; false (nothing appended) when some char is no byte char.</summary>
    public static bool TryAppendBytes(string token, List<byte> dst)
    {
        foreach (char c in token) if (CharToByte(c) < 0) return false;
        foreach (char c in token) dst.Add((byte)CharToByte(c));
        return true;
    }

    /// <summary>UTF-8 bytes as text for display: valid sequences decoded, every byte of an invalid one shown as \xNN.</summary>
    public static string BytesToDisplay(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out int used);
            if (status == System.Buffers.OperationStatus.Done) sb.Append(rune.ToString());
            else for (int i = 0; i < used; i++) sb.Append($"\\x{bytes[i]:X2}");
            bytes = bytes[used..];
        }
        return sb.ToString();
    }
}

// Test fixtures: paths under Fixtures/ (copied next to the test assembly) and the shared GPT-2 tokenizer, loaded once.
using System.Text.Json;
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

internal static class Fixtures
{
    public static string Dir(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Fixtures", "tokenizers", .. parts]);

    private static readonly Lazy<Tokenizer> Gpt2Lazy = new(() => TokenizerLoader.Load(Dir("gpt2")));
    public static Tokenizer Gpt2 => Gpt2Lazy.Value;

    public sealed record Vector(string Text, int[] Ids);

    public static List<Vector> ReadVectors(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return doc.RootElement.EnumerateArray()
            .Select(e => new Vector(e.GetProperty("text").GetString()!, e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray()))
            .ToList();
    }

    public static List<Vector> Gpt2SharedVectors => ReadVectors(Dir("gpt2", "vectors.json"));
    public static List<Vector> Gpt2TiktokenVectors => ReadVectors(Dir("tiktoken", "gpt2_vectors.json"));

    /// <summary>A paragraph with unicode, digits, multiple spaces, newlines and contractions.</summary>
    public const string Paragraph =
        "In 1923, the café's owner—Zoë O'Brien—wasn't sure they'd   open again.\n\n" +
        "Prices: 3.50€, 12,000 ¥; she'll say \"it's 100% fine\" 🤗.\r\n\tTabs\tand  double  spaces  \n" +
        "日本語 テキスト, Ελληνικά, русский; 𝐀𝐁𝐂 𠀀 and e\u0301 combining.   ";
}

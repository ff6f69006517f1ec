// Small tokenizers and corpora shared by the SAE library tests and the CLI tests of Interp.Host.Tests (linked there):
// a WordLevel tokenizer.json over w0..w89 for text caches, and a tokenizer folder plus a seeded topic corpus for SAE
// training.
using Interp.Tensors;

namespace Interp.Dictionaries.Tests;

public static class TestCorpora
{
    /// <summary>A WordLevel tokenizer over w0..w89 plus punctuation, [UNK] = 0 (fits gpt2-tiny's 101 ids).</summary>
    public static string TinyTokenizerJson()
    {
        var vocab = new Dictionary<string, int> { ["[UNK]"] = 0, ["."] = 1, [","] = 2 };
        for (int i = 0; i < 90; i++) vocab[$"w{i}"] = 3 + i;
        return System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "1.0", ["added_tokens"] = Array.Empty<object>(), ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "Whitespace" }, ["post_processor"] = null, ["decoder"] = null,
            ["model"] = new { type = "WordLevel", vocab, unk_token = "[UNK]" },
        });
    }

    /// <summary>tokenizer.json (WordLevel: specials 0-3, words w4..w99) and a seeded corpus of 300 short documents.</summary>
    public static (string tokenizer, string corpus) TinySaeCorpus(TempDir tmp)
    {
        var vocab = new Dictionary<string, int> { ["<pad>"] = 0, ["<bos>"] = 1, ["<eos>"] = 2, ["<unk>"] = 3 };
        for (int i = 4; i < 100; i++) vocab[$"w{i}"] = i;
        var added = new[] { "<pad>", "<bos>", "<eos>", "<unk>" }.Select((c, i) => new { id = i, content = c, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true });
        var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null, ["added_tokens"] = added, ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "WhitespaceSplit" }, ["post_processor"] = null, ["decoder"] = null,
            ["model"] = new { type = "WordLevel", vocab, unk_token = "<unk>" },
        });
        string dir = tmp.Sub("tok");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"bos_token\": \"<bos>\", \"eos_token\": \"<eos>\", \"pad_token\": \"<pad>\"}");
        var rng = new Rng(21);
        string corpus = tmp.File("corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 300).Select(_ =>
        {
            int topic = 4 + 12 * rng.NextInt(8);                              // documents draw words from one of 8 topics
            return string.Join(" ", Enumerable.Range(0, 4 + rng.NextInt(12)).Select(__ => $"w{topic + rng.NextInt(12)}"));
        }));
        return (dir, corpus);
    }
}

// A GPT-2 tokenizer.json built in the test from the shared vocab.json + merges.txt (merges as "a b" strings and as
// [a, b] arrays) must give the same ids as the vocab.json + merges.txt loader.
using System.Text.Json.Nodes;
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public class Gpt2JsonTests
{
    private static readonly Lazy<(JsonObject Vocab, List<string> Merges)> Files = new(() =>
    {
        var vocab = JsonNode.Parse(File.ReadAllText(Fixtures.Dir("gpt2", "vocab.json")))!.AsObject();
        var merges = File.ReadLines(Fixtures.Dir("gpt2", "merges.txt")).Skip(1).Where(l => l.Length > 0).ToList();
        return (vocab, merges);
    });

    internal static JsonObject ModelNode(bool arrays)
    {
        var (vocab, merges) = Files.Value;
        var mergeArray = new JsonArray();
        foreach (var m in merges)
        {
            var parts = m.Split(' ');
            mergeArray.Add(arrays ? new JsonArray(parts[0], parts[1]) : JsonValue.Create(m));
        }
        return new JsonObject
        {
            ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
            ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
            ["vocab"] = vocab.DeepClone(), ["merges"] = mergeArray,
        };
    }

    internal static string Gpt2TokenizerJson(bool arrays) => new JsonObject
    {
        ["version"] = "1.0",
        ["added_tokens"] = new JsonArray(new JsonObject
        {
            ["id"] = 50256, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = true, ["special"] = true,
        }),
        ["normalizer"] = null,
        ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
        ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
        ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
        ["model"] = ModelNode(arrays),
    }.ToJsonString();

    private static readonly Lazy<Tokenizer> FromStrings = new(() => TokenizerLoader.FromJson(Gpt2TokenizerJson(arrays: false)));
    private static readonly Lazy<Tokenizer> FromArrays = new(() => TokenizerLoader.FromJson(Gpt2TokenizerJson(arrays: true)));

    private static IEnumerable<string> Texts() =>
        Fixtures.Gpt2SharedVectors.Select(v => v.Text).Concat(Fixtures.Gpt2TiktokenVectors.Take(40).Select(v => v.Text))
            .Append(Fixtures.Paragraph).Append("Hello<|endoftext|>World");

    [Fact]
    public void Encode_TokenizerJsonWithStringMerges_SameIdsAsVocabAndMerges()
    {
        foreach (var text in Texts())
            Assert.Equal(Fixtures.Gpt2.Encode(text), FromStrings.Value.Encode(text));
    }

    [Fact]
    public void Encode_TokenizerJsonWithArrayMerges_SameIdsAsVocabAndMerges()
    {
        foreach (var text in Texts())
            Assert.Equal(Fixtures.Gpt2.Encode(text), FromArrays.Value.Encode(text));
    }

    [Fact]
    public void Paragraph_EncodeDecodeOffsets_Consistent()
    {
        var t = FromStrings.Value;
        var (ids, offsets) = t.EncodeWithOffsets(Fixtures.Paragraph);
        Assert.Equal(Fixtures.Paragraph, t.Decode(ids));
        Assert.Equal(Fixtures.Gpt2.EncodeWithOffsets(Fixtures.Paragraph).Offsets, offsets);
        Assert.Equal(50257, t.VocabSize);
        Assert.Equal(50256, t.EosId);
    }
}

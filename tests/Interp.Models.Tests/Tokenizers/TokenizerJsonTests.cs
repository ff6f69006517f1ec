// Hand-built tokenizer.json files in the styles of Llama-3 (byte-level BPE + Split regex), Llama-2 (Metaspace or
// Prepend/Replace + byte_fallback BPE), WordLevel with NFC/Lowercase, and added tokens; ids are hand-computed.
using System.Text.Json.Nodes;
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public class TokenizerJsonTests
{
    private static JsonObject Added(int id, string content, bool special, bool normalized = false, bool lstrip = false, bool singleWord = false) =>
        new() { ["id"] = id, ["content"] = content, ["special"] = special, ["normalized"] = normalized,
                ["lstrip"] = lstrip, ["rstrip"] = false, ["single_word"] = singleWord };

    private static JsonObject Template(string token, int id) => new()
    {
        ["type"] = "TemplateProcessing",
        ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = 0 } },
            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
        ["special_tokens"] = new JsonObject { [token] = new JsonObject { ["id"] = token, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(token) } },
    };

    // ---- Llama-3 style: bytes are ids 0..255 (id = byte value), then merges in order.
    private static Tokenizer Llama3(bool splitRegex)
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevelMap.ByteToChar[b].ToString()] = b;
        string[] merges = ["3 4", "1 2", "12 3", "4 5", "H e", "l l", "He ll", "Hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"];
        foreach (var m in merges) vocab[m.Replace(" ", "")] = vocab.Count; // 256 "34", 257 "12", 258 "123", 259 "45", ..., 263 "Hello", 268 "Ġworld"
        vocab["Ġxyz"] = 269; // reachable only through ignore_merges
        JsonNode pre = splitRegex
            ? new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = PreTokenizerTests.Llama3Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            }
            : new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true };
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(270, "<|begin_of_text|>", true), Added(271, "<|end_of_text|>", true), Added(272, "<custom>", false)),
            ["normalizer"] = null,
            ["pre_tokenizer"] = pre,
            ["post_processor"] = new JsonObject { ["type"] = "Sequence", ["processors"] = new JsonArray(
                new JsonObject { ["type"] = "ByteLevel", ["trim_offsets"] = false }, Template("<|begin_of_text|>", 270)) },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["ignore_merges"] = true, ["vocab"] = vocab, ["merges"] = new JsonArray(merges.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()) },
        };
        return TokenizerLoader.FromJson(json.ToJsonString());
    }

    [Fact]
    public void Llama3Style_SplitRegexGroupsDigitsByThree()
    {
        var t = Llama3(splitRegex: true);
        // Pieces "Hello" " world" " " "123" "45": the digit groups merge to 123 and 45.
        Assert.Equal(new[] { 263, 268, 32, 258, 259 }, t.Encode("Hello world 12345"));
        // With GPT-2's regex " 12345" is one piece, and merge "3 4" (rank 0) wins: Ġ 12 34 5.
        Assert.Equal(new[] { 263, 268, 32, 257, 256, 53 }, Llama3(splitRegex: false).Encode("Hello world 12345"));
        Assert.Equal("Hello world 12345", t.Decode(t.Encode("Hello world 12345")));
    }

    [Fact]
    public void Llama3Style_AddSpecialTokens_PrependsBos_AndSpecialsSkippedOnDecode()
    {
        var t = Llama3(splitRegex: true);
        var ids = t.Encode("Hello<|end_of_text|><custom> xyz", addSpecialTokens: true);
        Assert.Equal(new[] { 270, 263, 271, 272, 269 }, ids); // " xyz" is whole in the vocab: ignore_merges takes it
        Assert.Equal("Hello<custom> xyz", t.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|begin_of_text|>Hello<|end_of_text|><custom> xyz", t.Decode(ids));
        Assert.Equal(270, t.BosId);
        Assert.Equal(271, t.EosId);
        Assert.Equal(273, t.VocabSize);
        var (_, offsets) = t.EncodeWithOffsets("Hello<|end_of_text|>", addSpecialTokens: true);
        Assert.Equal(new[] { (0, 0), (0, 5), (5, 20) }, offsets);
    }

    // ---- Llama-2 style: <unk> <s> </s>, 256 byte tokens (ids 3..258), chars, merges.
    private static JsonObject Llama2Model()
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        foreach (var c in new[] { "▁", "H", "e", "l", "o", "w", "r", "d" }) vocab[c] = vocab.Count; // 259..266
        string[] merges = ["▁ H", "e l", "l o", "▁H el", "▁Hel lo", "▁ w", "o r", "▁w or", "l d", "▁wor ld"];
        foreach (var m in merges) vocab[m.Replace(" ", "")] = vocab.Count; // 267 "▁H" .. 271 "▁Hello" .. 276 "▁world"
        return new JsonObject
        {
            ["type"] = "BPE", ["unk_token"] = "<unk>", ["fuse_unk"] = true, ["byte_fallback"] = true, ["vocab"] = vocab,
            ["merges"] = new JsonArray(merges.Select(m => (JsonNode)new JsonArray(m.Split(' ')[0], m.Split(' ')[1])).ToArray()),
        };
    }

    private static JsonArray Llama2Added() => new(Added(0, "<unk>", true), Added(1, "<s>", true), Added(2, "</s>", true));

    /// <summary>HF's converted Llama-2 tokenizer.json: Prepend + Replace normalizers, no pre-tokenizer.</summary>
    private static Tokenizer Llama2Legacy() => TokenizerLoader.FromJson(new JsonObject
    {
        ["added_tokens"] = Llama2Added(),
        ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(
            new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
            new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }) },
        ["pre_tokenizer"] = null,
        ["post_processor"] = Template("<s>", 1),
        ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = new JsonArray(
            new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
            new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" },
            new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }) },
        ["model"] = Llama2Model(),
    }.ToJsonString());

    /// <summary>Newer files: Metaspace pre-tokenizer and decoder with prepend_scheme "first".</summary>
    private static Tokenizer Llama2Metaspace(bool split) => TokenizerLoader.FromJson(new JsonObject
    {
        ["added_tokens"] = Llama2Added(),
        ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = split },
        ["post_processor"] = Template("<s>", 1),
        ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = new JsonArray(new JsonObject { ["type"] = "ByteFallback" },
            new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = split }) },
        ["model"] = Llama2Model(),
    }.ToJsonString());

    [Fact]
    public void Llama2Style_CharNotInVocab_FallsBackToBytesAndDecodesBack()
    {
        const string text = "Hello world é\n";
        int[] expected = [271, 276, 259, 3 + 0xC3, 3 + 0xA9, 3 + 0x0A]; // ▁Hello ▁world ▁ <0xC3> <0xA9> <0x0A>
        foreach (var t in new[] { Llama2Legacy(), Llama2Metaspace(split: false), Llama2Metaspace(split: true) })
        {
            Assert.Equal(expected, t.Encode(text));
            Assert.Equal([1, .. expected], t.Encode(text, addSpecialTokens: true));
            Assert.Equal(text, t.Decode(t.Encode(text, addSpecialTokens: true), skipSpecialTokens: true));
            Assert.Equal(1, t.BosId);
            Assert.Equal(2, t.EosId);
            Assert.Equal(" Hello", t.TokenToString(271));
            Assert.Equal("\n", t.TokenToString(3 + 0x0A));
            Assert.Equal("<0xC3>", t.TokenToString(3 + 0xC3));
            Assert.Equal(new[] { (0, 5), (5, 11), (11, 12), (12, 13), (12, 13), (13, 14) }, t.EncodeWithOffsets(text).Offsets);
        }
    }

    [Fact]
    public void Llama2Style_TextAfterLeadingSpecialToken_PrefixPerScheme()
    {
        Assert.Equal(new[] { 1, 271 }, Llama2Legacy().Encode("<s>Hello"));          // legacy: "▁" prepended to each segment
        Assert.Equal(new[] { 1, 260, 268, 269 }, Llama2Metaspace(false).Encode("<s>Hello")); // "first": not at offset 0, no "▁"
    }

    [Fact]
    public void WordLevel_NfcLowercaseWhitespace_UnknownWordIsUnk()
    {
        var t = TokenizerLoader.FromJson(new JsonObject
        {
            ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(
                new JsonObject { ["type"] = "NFC" }, new JsonObject { ["type"] = "Lowercase" }) },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" },
            ["model"] = new JsonObject { ["type"] = "WordLevel", ["unk_token"] = "[UNK]", ["vocab"] = new JsonObject
            {
                ["[UNK]"] = 0, ["hello"] = 1, ["world"] = 2, [","] = 3, ["!"] = 4, ["café"] = 5,
            } },
        }.ToJsonString());
        const string text = "Hello, WORLD! Cafe\u0301 foo";
        var (ids, offsets) = t.EncodeWithOffsets(text);
        Assert.Equal(new[] { 1, 3, 2, 4, 5, 0 }, ids);
        Assert.Equal(new[] { (0, 5), (5, 6), (7, 12), (12, 13), (14, 19), (20, 23) }, offsets);
        Assert.Equal("hello , world ! café [UNK]", t.Decode(ids)); // no decoder: tokens joined by spaces, as HF
        Assert.Equal(6, t.VocabSize);
    }

    private static Tokenizer WithAddedTokens() => TokenizerLoader.FromJson(new JsonObject
    {
        ["added_tokens"] = new JsonArray(Added(3, "[MASK]", true, lstrip: true), Added(4, "<x>", true), Added(5, "<xy>", false),
            Added(6, "hey", false, normalized: true, singleWord: true)),
        ["normalizer"] = new JsonObject { ["type"] = "Lowercase" },
        ["pre_tokenizer"] = new JsonObject { ["type"] = "WhitespaceSplit" },
        ["model"] = new JsonObject { ["type"] = "WordLevel", ["unk_token"] = "[UNK]", ["vocab"] = new JsonObject { ["[UNK]"] = 0, ["a"] = 1, ["b"] = 2 } },
    }.ToJsonString());

    [Theory]
    [InlineData("a <xy> b", new[] { 1, 5, 2 })]   // longest match first
    [InlineData("a <x> b", new[] { 1, 4, 2 })]
    [InlineData("a<x>b", new[] { 1, 4, 2 })]
    [InlineData("a [MASK] b", new[] { 1, 3, 2 })]
    [InlineData("A [mask]", new[] { 1, 0 })]       // non-normalized tokens match the raw text only
    [InlineData("HEY a", new[] { 6, 1 })]          // normalized token matches after Lowercase
    [InlineData("they a", new[] { 0, 1 })]         // single_word: no match inside a word
    public void AddedTokens_MatchedBeforePreTokenization(string text, int[] expected)
    {
        Assert.Equal(expected, WithAddedTokens().Encode(text));
    }

    [Fact]
    public void AddedTokens_LStripSwallowsSpace_AndSkipSpecialKeepsNonSpecial()
    {
        var t = WithAddedTokens();
        Assert.Equal((1, 8), t.EncodeWithOffsets("a [MASK] b").Offsets[1]);
        Assert.Equal("a <xy> b", t.Decode([1, 4, 5, 2], skipSpecialTokens: true));
        Assert.Equal("a <x> <xy> b", t.Decode([1, 4, 5, 2]));
        Assert.Equal(3, t.TokenToId("[MASK]"));
        Assert.Equal("[MASK]", t.IdToToken(3));
        Assert.Equal(7, t.VocabSize);
    }
}

// Malformed tokenizer.json files (and GPT-2 vocab.json + merges.txt), read by `interp tokenize`: wrong types, unknown
// keys and component types, an empty vocabulary, duplicate or negative ids, conflicting added tokens, bad merges.
using System.Text.Json.Nodes;

namespace Interp.Host.Tests.Malformed;

public static class TokenizerJsonCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("tokenizer.json", name, arrange, expect);

    private static Invocation Edit(Scratch s, Action<JsonObject> edit) => Cmd.Tokenize(s, s.Tokenizer(edit: edit));

    private static Invocation Text(Scratch s, string text)
    {
        var dir = s.Folder("tok");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), text);
        return Cmd.Tokenize(s, dir);
    }

    private static JsonObject Model(JsonObject o) => o["model"]!.AsObject();

    private static JsonObject Bpe(params (string tok, int id)[] vocab)
    {
        var v = new JsonObject();
        foreach (var (t, i) in vocab) v[t] = i;
        return new JsonObject { ["type"] = "BPE", ["vocab"] = v, ["merges"] = new JsonArray("w 1") };
    }

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("not JSON", s => Text(s, "{\"model\": "), "tokenizer.json", "JSON");
        yield return C("a JSON array", s => Text(s, "[1, 2]"), "tokenizer.json", "array");
        yield return C("no model", s => Text(s, "{}"), "tokenizer.json", "model", "missing");
        yield return C("model type unsupported (Unigram)", s => Edit(s, o => Model(o)["type"] = "Unigram"), "tokenizer.json", "Unigram", "BPE");
        yield return C("empty vocabulary", s => Edit(s, o => Model(o)["vocab"] = new JsonObject()), "tokenizer.json", "model.vocab", "empty");
        yield return C("duplicate token ids", s => Edit(s, o => Model(o)["vocab"]!["w5"] = 4), "tokenizer.json", "model.vocab", "id 4");
        yield return C("negative token id", s => Edit(s, o => Model(o)["vocab"]!["w5"] = -5), "tokenizer.json", "model.vocab", "-5");
        yield return C("token id a string", s => Edit(s, o => Model(o)["vocab"]!["w5"] = "5"), "tokenizer.json", "model.vocab.w5", "integer");
        yield return C("token id beyond 2^31", s => Edit(s, o => Model(o)["vocab"]!["w5"] = 1L << 33), "tokenizer.json", "model.vocab.w5", "out of range");
        yield return C("WordLevel without unk_token", s => Edit(s, o => Model(o).Remove("unk_token")), "tokenizer.json", "unk_token", "missing");
        yield return C("unk_token not in the vocabulary", s => Edit(s, o => Model(o)["unk_token"] = "<unk>"), "tokenizer.json", "<unk>");
        yield return C("BPE merge of three parts", s => Edit(s, o => { o["model"] = Bpe(("w", 0), ("1", 1), ("w1", 2)); Model(o)["merges"] = new JsonArray("w 1 2"); }), "tokenizer.json", "merge");
        yield return C("BPE merge a number", s => Edit(s, o => { o["model"] = Bpe(("w", 0), ("1", 1), ("w1", 2)); Model(o)["merges"] = new JsonArray(5); }), "tokenizer.json", "model.merges[0]");
        yield return C("BPE merge of unknown tokens", s => Edit(s, o => o["model"] = Bpe(("w", 0), ("1", 1))), "tokenizer.json", "w1");
        yield return C("BPE dropout 0.5", s => Edit(s, o => { o["model"] = Bpe(("w", 0), ("1", 1), ("w1", 2)); Model(o)["dropout"] = 0.5; }), "tokenizer.json", "model.dropout");
        yield return C("added token id a string", s => Edit(s, o => o["added_tokens"] = new JsonArray(new JsonObject { ["id"] = "x", ["content"] = "<s>" })), "tokenizer.json", "added_tokens[0].id");
        yield return C("added token without content", s => Edit(s, o => o["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 200 })), "tokenizer.json", "added_tokens[0].content");
        yield return C("added token on another token's id", s => Edit(s, o => o["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 3, ["content"] = "<s>" })), "tokenizer.json", "added_tokens[0]", "w3");
        yield return C("two added tokens on one id", s => Edit(s, o => o["added_tokens"] = new JsonArray(
            new JsonObject { ["id"] = 200, ["content"] = "<s>" }, new JsonObject { ["id"] = 200, ["content"] = "</s>" })), "tokenizer.json", "added_tokens[1]");
        yield return C("unknown top-level key (nearest post_processor)", s => Edit(s, o => o["post_processer"] = null), "tokenizer.json", "post_processer", "post_processor");
        yield return C("unknown key in the model", s => Edit(s, o => Model(o)["unk"] = "w0"), "tokenizer.json", "model.unk", "unk_token");
        yield return C("normalizer type unsupported", s => Edit(s, o => o["normalizer"] = new JsonObject { ["type"] = "Precompiled" }), "tokenizer.json", "normalizer", "Precompiled");
        yield return C("pre_tokenizer without type", s => Edit(s, o => o["pre_tokenizer"] = new JsonObject { ["add_prefix_space"] = true }), "tokenizer.json", "pre_tokenizer", "type");
        yield return C("decoder type a number", s => Edit(s, o => o["decoder"] = new JsonObject { ["type"] = 3 }), "tokenizer.json", "decoder.type");
        yield return C("Metaspace replacement of two characters", s => Edit(s, o => o["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "__" }), "tokenizer.json", "replacement");
        yield return C("Split with an invalid regex", s => Edit(s, o => o["pre_tokenizer"] = new JsonObject
            { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "(" }, ["behavior"] = "Isolated" }), "tokenizer.json");
        yield return C("Split behavior unknown", s => Edit(s, o => o["pre_tokenizer"] = new JsonObject
            { ["type"] = "Split", ["pattern"] = new JsonObject { ["String"] = " " }, ["behavior"] = "Merged" }), "tokenizer.json", "pre_tokenizer.behavior", "Merged");
        yield return C("TemplateProcessing with an undefined special token", s => Edit(s, o => o["post_processor"] = new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } }, new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
            ["special_tokens"] = new JsonObject(),
        }), "tokenizer.json", "<s>", "special_tokens");
        yield return C("tokenizer.json is a directory", s =>
        {
            var dir = s.Folder("tok");
            Directory.CreateDirectory(Path.Combine(dir, "tokenizer.json"));
            return Cmd.Tokenize(s, dir);
        }, "tokenizer.json", "directory");
        yield return C("tokenizer.json is a FIFO (must not hang)", s =>
        {
            s.Folder("tok");
            s.Fifo("tok/tokenizer.json");
            return Cmd.Tokenize(s, s.Path("tok"));
        }, "tokenizer.json", "FIFO");
        yield return C("vocab.json with a string id", s =>
        {
            var dir = s.Folder("gpt2tok");
            File.WriteAllText(Path.Combine(dir, "vocab.json"), """{"a": 0, "b": "1"}""");
            File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n");
            return Cmd.Tokenize(s, dir);
        }, "vocab.json", "$.b");
        yield return C("vocab.json with duplicate ids", s =>
        {
            var dir = s.Folder("gpt2tok");
            File.WriteAllText(Path.Combine(dir, "vocab.json"), """{"a": 0, "b": 0}""");
            File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n");
            return Cmd.Tokenize(s, dir);
        }, "vocab.json", "id 0");
        yield return C("merges.txt line of one token", s =>
        {
            var dir = s.Folder("gpt2tok");
            File.WriteAllText(Path.Combine(dir, "vocab.json"), """{"a": 0, "b": 1, "ab": 2}""");
            File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\nab\n");
            return Cmd.Tokenize(s, dir);
        }, "merges.txt", "line 2");
    }
}

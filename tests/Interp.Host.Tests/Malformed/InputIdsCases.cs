// Malformed token-id files (--input-ids), read by `interp run` and `interp sae eval`: not JSON, wrong shapes, wrong
// element types, ids outside the vocabulary, rows longer than the context (an error unless --truncate), special files.
namespace Interp.Host.Tests.Malformed;

public static class InputIdsCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("input ids", name, arrange, expect);

    private static Invocation Ids(Scratch s, string json) =>
        new(["run", "--model", s.Model(), "--input-ids", s.Write("bad-ids.json", json), "--out", s.Path("out.safetensors")]);

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("not JSON", s => Ids(s, "[[1, 2"), "bad-ids.json", "JSON");
        yield return C("an object", s => Ids(s, """{"ids": [1, 2]}"""), "bad-ids.json", "array");
        yield return C("a flat array", s => Ids(s, "[1, 2, 3]"), "bad-ids.json", "$[0]");
        yield return C("empty array", s => Ids(s, "[]"), "bad-ids.json", "empty");
        yield return C("empty row", s => Ids(s, "[[]]"), "bad-ids.json", "empty");
        yield return C("ragged rows", s => Ids(s, "[[1, 2, 3], [1, 2]]"), "bad-ids.json", "row 1");
        yield return C("a null row", s => Ids(s, "[[1, 2], null]"), "bad-ids.json", "row 1");
        yield return C("string ids", s => Ids(s, """[["1", "2"]]"""), "bad-ids.json", "$[0][0]");
        yield return C("fractional id", s => Ids(s, "[[1.5, 2]]"), "bad-ids.json", "$[0][0]");
        yield return C("nested too deep", s => Ids(s, "[[[1, 2]]]"), "bad-ids.json", "$[0][0]");
        yield return C("negative id", s => Ids(s, "[[1, -3, 2]]"), "bad-ids.json", "token id -3", "[0, 1]", "0..100");
        yield return C("id beyond the vocabulary", s => Ids(s, "[[1, 2, 101]]"), "bad-ids.json", "token id 101", "[0, 2]", "0..100");
        yield return C("id beyond 2^63", s => Ids(s, "[[1, 99999999999999999999]]"), "bad-ids.json", "$[0][1]");
        yield return C("rows longer than the context (no --truncate)", s => Ids(s, "[[" + string.Join(", ", Enumerable.Repeat(1, 65)) + "]]"), "bad-ids.json", "context (64)", "--truncate");
        yield return C("sae eval: rows longer than the context", s =>
            new(["sae", "eval", "--model", s.Model(), "--sae", s.Sae(), "--input-ids", s.Write("long.json", "[[" + string.Join(", ", Enumerable.Repeat(1, 70)) + "]]")]),
            "long.json", "--truncate");
        yield return C("sae eval: rows of one token", s =>
            new(["sae", "eval", "--model", s.Model(), "--sae", s.Sae(), "--input-ids", s.Write("short.json", "[[1], [2]]")]), "short.json", "at least 2");
        yield return C("file missing", s => new(["run", "--model", s.Model(), "--input-ids", s.Path("nope.json"), "--out", s.Path("o.safetensors")]), "nope.json", "does not exist");
        yield return C("file is a directory", s => new(["run", "--model", s.Model(), "--input-ids", s.Folder("ids-dir"), "--out", s.Path("o.safetensors")]), "ids-dir", "directory");
        yield return C("file is a FIFO (must not hang)", s => new(["run", "--model", s.Model(), "--input-ids", s.Fifo("ids.fifo"), "--out", s.Path("o.safetensors")]), "ids.fifo", "FIFO");
        yield return C("file is a character device", s => new(["run", "--model", s.Model(), "--input-ids", "/dev/zero", "--out", s.Path("o.safetensors")]), "/dev/zero", "character device");
        yield return C("tokenize --input not an array of strings", s =>
            new(["tokenize", "--tokenizer", s.Tokenizer(), "--input", s.Write("texts.json", "[1, 2]")]), "texts.json", "$[0]");
        yield return C("tokenize --input with a null", s =>
            new(["tokenize", "--tokenizer", s.Tokenizer(), "--input", s.Write("texts.json", """["w1", null]""")]), "texts.json", "element 1");
    }
}

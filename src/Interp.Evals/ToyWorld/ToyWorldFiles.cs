// Reads a toy-world folder written by ToyWorldWriter, plain or gzip'd (name or name.gz): corpus documents, their labels
// and the eval prompts. Fails with the file and line on malformed input. Not generation.
using System.IO.Compression;
using System.Text.Json;

namespace Interp.Evals.ToyWorld;

public static class ToyWorldFiles
{
    /// <summary>The path of <paramref name="name"/> in dir, or of name.gz when only that exists.</summary>
    public static string Resolve(string dir, string name)
    {
        var plain = Path.Combine(dir, name);
        if (File.Exists(plain)) return plain;
        if (File.Exists(plain + ".gz")) return plain + ".gz";
        throw new FileNotFoundException($"toy world '{dir}' has neither {name} nor {name}.gz; "
            + "write one with `interp toyworld generate --seed N --docs N --out DIR`.", plain);
    }

    public static IEnumerable<string> ReadLines(string dir, string name)
    {
        var path = Resolve(dir, name);
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(s);
        while (reader.ReadLine() is { } line) yield return line;
    }

    /// <summary>Each corpus line split into its tokens.</summary>
    public static IEnumerable<string[]> ReadCorpus(string dir) => ReadLines(dir, "corpus.txt").Select(l => l.Split(' '));

    /// <summary>Corpus documents with their labels from labels.jsonl (checked: same count and lengths).</summary>
    public static IEnumerable<ToyDocument> ReadDocuments(string dir)
    {
        using var corpus = ReadCorpus(dir).GetEnumerator();
        int line = 0;
        foreach (var json in ReadLines(dir, "labels.jsonl"))
        {
            if (!corpus.MoveNext()) throw new InvalidDataException($"labels.jsonl has more lines than corpus.txt in '{dir}' (line {line + 1}).");
            yield return new ToyDocument(corpus.Current, ParseLabels(json, corpus.Current.Length, line));
            line++;
        }
        if (corpus.MoveNext()) throw new InvalidDataException($"corpus.txt has more lines than labels.jsonl ({line}) in '{dir}'.");
    }

    internal static TokenLabel[] ParseLabels(string json, int length, int line)
    {
        using var doc = JsonDocument.Parse(json);
        var o = doc.RootElement;
        JsonElement Arr(string key)
        {
            if (!o.TryGetProperty(key, out var a) || a.ValueKind != JsonValueKind.Array || a.GetArrayLength() != length)
                throw new InvalidDataException($"labels.jsonl line {line + 1}: \"{key}\" must be an array of {length} entries (the corpus line's tokens).");
            return a;
        }
        JsonElement cat = Arr("category"), q = Arr("in_quote"), br = Arr("bracket_depth"), rep = Arr("is_repeat"),
            pred = Arr("induction_predictable"), ioi = Arr("ioi_role"), succ = Arr("successor_pos"), tpl = Arr("template");
        var labels = new TokenLabel[length];
        for (int i = 0; i < length; i++)
            labels[i] = new TokenLabel(cat[i].ValueKind == JsonValueKind.Null ? null : cat[i].GetString(), q[i].GetInt32() != 0,
                br[i].GetInt32(), rep[i].GetInt32() != 0, pred[i].GetInt32() != 0,
                IoiRoles.Parse(ioi[i].ValueKind == JsonValueKind.Null ? null : ioi[i].GetString()), succ[i].GetInt32(), tpl[i].GetInt32());
        return labels;
    }

    public static IEnumerable<IoiPrompt> ReadIoiEval(string dir) => ReadLines(dir, "ioi_eval.jsonl").Select(l =>
    {
        using var d = JsonDocument.Parse(l);
        var o = d.RootElement;
        return new IoiPrompt(o.GetProperty("id").GetInt32(), o.GetProperty("template").GetInt32(), o.GetProperty("order").GetString()!,
            StringArray(o, "prompt"), o.GetProperty("answer").GetString()!, o.GetProperty("subject").GetString()!,
            o.GetProperty("io_pos").GetInt32(), o.GetProperty("s1_pos").GetInt32(), o.GetProperty("s2_pos").GetInt32(),
            o.GetProperty("end_pos").GetInt32(), StringArray(o, "candidates"), o.GetProperty("chance").GetDouble());
    });

    public static IEnumerable<InductionPrompt> ReadInductionEval(string dir) => ReadLines(dir, "induction_eval.jsonl").Select(l =>
    {
        using var d = JsonDocument.Parse(l);
        var o = d.RootElement;
        return new InductionPrompt(o.GetProperty("id").GetInt32(), StringArray(o, "prompt"), o.GetProperty("answer").GetString()!,
            StringArray(o, "span"), o.GetProperty("first_pos").GetInt32(), o.GetProperty("repeat_pos").GetInt32(),
            o.GetProperty("offset").GetInt32(), o.GetProperty("candidates").GetInt32(), o.GetProperty("chance").GetDouble());
    });

    private static string[] StringArray(JsonElement o, string key) =>
        o.GetProperty(key).EnumerateArray().Select(e => e.GetString()!).ToArray();
}

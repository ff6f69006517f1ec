// Writes a toy world to a folder: tokenizer.json (+ tokenizer_config.json), corpus.txt, labels.jsonl, ioi_eval.jsonl,
// induction_eval.jsonl, world.json and FORMAT.md; with gzip the four data files are written as *.gz instead. Same
// options → same bytes (UTF-8, "\n", no timestamps, ordinal order everywhere). Not reading (ToyWorldFiles).
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Interp.Tensors.IO;

namespace Interp.Evals.ToyWorld;

public sealed record ToyWorldSummary(int Docs, long Tokens, int IoiPrompts, int InductionPrompts, string[] Files);

public static class ToyWorldWriter
{
    public const string Format = "interp-toyworld/1";
    public static readonly string[] DataFiles = ["corpus.txt", "labels.jsonl", "ioi_eval.jsonl", "induction_eval.jsonl"];

    private static readonly JsonWriterOptions Line = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The `interp toyworld generate` command line that writes these options (the folder shown as &lt;DIR&gt;).</summary>
    public static string Command(ToyWorldOptions o, bool gzip) =>
        $"interp toyworld generate --seed {o.Seed} --docs {o.Docs} --max-tokens {o.MaxTokens} --eval-prompts {o.EvalPrompts}"
        + (gzip ? " --gzip" : "") + " --out <DIR>";

    public static ToyWorldSummary Write(ToyWorldOptions o, string dir, bool gzip)
    {
        o.Validate();
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        void Bytes(string name, byte[] data) { AtomicFile.WriteAllBytes(Path.Combine(dir, name), data, name); written.Add(name); }
        Bytes("tokenizer.json", ToyTokenizerJson.Build());
        Bytes("tokenizer_config.json", ToyTokenizerJson.BuildConfig());

        long tokens = 0;
        int docs = 0, withIoi = 0, withInduction = 0, withSuccessor = 0, withQuote = 0, withBracket = 0;
        WithWriter(dir, "corpus.txt", gzip, written, corpus => WithWriter(dir, "labels.jsonl", gzip, written, labels =>
        {
            foreach (var doc in ToyWorldGenerator.Corpus(o))
            {
                corpus.Write(doc.Text);
                corpus.Write('\n');
                WriteLabels(labels, docs, doc);
                tokens += doc.Count;
                if (doc.Labels.Any(l => l.Ioi != IoiRole.None)) withIoi++;
                if (doc.Labels.Any(l => l.IsRepeat)) withInduction++;
                if (doc.Labels.Any(l => l.SuccessorPos >= 0)) withSuccessor++;
                if (doc.Labels.Any(l => l.InQuote)) withQuote++;
                if (doc.Labels.Any(l => l.BracketDepth > 0)) withBracket++;
                docs++;
            }
        }));
        WithWriter(dir, "ioi_eval.jsonl", gzip, written, ioi =>
        {
            foreach (var p in EvalPrompts.Ioi(o.Seed, o.EvalPrompts)) WriteJsonLine(ioi, w => WriteIoi(w, p));
        });
        WithWriter(dir, "induction_eval.jsonl", gzip, written, ind =>
        {
            foreach (var p in EvalPrompts.Induction(o.Seed, o.EvalPrompts, o.MaxTokens)) WriteJsonLine(ind, w => WriteInduction(w, p));
        });

        using (var world = new MemoryStream())
        {
            using (var w = new Utf8JsonWriter(world, ToyTokenizerJson.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("format", Format);
                w.WriteNumber("seed", o.Seed);
                w.WriteNumber("docs", docs);
                w.WriteNumber("tokens", tokens);
                w.WriteNumber("max_tokens", o.MaxTokens);
                w.WriteNumber("eval_prompts", o.EvalPrompts);
                w.WriteNumber("vocab_size", Lexicon.Vocabulary.Length);
                w.WriteBoolean("gzip", gzip);
                w.WriteNumber("docs_with_ioi", withIoi);
                w.WriteNumber("docs_with_induction", withInduction);
                w.WriteNumber("docs_with_successor", withSuccessor);
                w.WriteNumber("docs_with_quote", withQuote);
                w.WriteNumber("docs_with_bracket", withBracket);
                w.WriteString("command", Command(o, gzip));
                w.WriteEndObject();
            }
            world.WriteByte((byte)'\n');
            Bytes("world.json", world.ToArray());
        }
        Bytes("FORMAT.md", Encoding.UTF8.GetBytes(FormatDoc.Build()));
        return new ToyWorldSummary(docs, tokens, o.EvalPrompts, o.EvalPrompts, written.ToArray());
    }

    /// <summary>Writes dir/name (or name.gz) whole or not at all (AtomicFile), through a UTF-8 writer.</summary>
    private static void WithWriter(string dir, string name, bool gzip, List<string> written, Action<StreamWriter> body)
    {
        var fileName = gzip ? name + ".gz" : name;
        var stale = Path.Combine(dir, gzip ? name : name + ".gz"); // readers prefer the plain file: never leave the other form behind
        if (File.Exists(stale)) File.Delete(stale);
        written.Add(fileName);
        AtomicFile.Write(Path.Combine(dir, fileName), file =>
        {
            Stream s = gzip ? new GZipStream(file, CompressionLevel.SmallestSize, leaveOpen: true) : file;
            using var sw = new StreamWriter(s, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: !gzip) { NewLine = "\n" };
            body(sw);
        }, fileName);
    }

    private static void WriteJsonLine(StreamWriter sw, Action<Utf8JsonWriter> body)
    {
        var buf = new MemoryStream();
        using (var w = new Utf8JsonWriter(buf, Line)) body(w);
        sw.Write(Encoding.UTF8.GetString(buf.GetBuffer(), 0, (int)buf.Length));
        sw.Write('\n');
    }

    internal static void WriteLabels(StreamWriter sw, int index, ToyDocument doc) => WriteJsonLine(sw, w =>
    {
        var ls = doc.Labels;
        w.WriteStartObject();
        w.WriteNumber("doc", index);
        w.WriteNumber("length", doc.Count);
        w.WriteStartArray("category");
        foreach (var l in ls) { if (l.Category is null) w.WriteNullValue(); else w.WriteStringValue(l.Category); }
        w.WriteEndArray();
        Ints(w, "in_quote", ls.Select(l => l.InQuote ? 1 : 0));
        Ints(w, "bracket_depth", ls.Select(l => l.BracketDepth));
        Ints(w, "is_repeat", ls.Select(l => l.IsRepeat ? 1 : 0));
        Ints(w, "induction_predictable", ls.Select(l => l.InductionPredictable ? 1 : 0));
        w.WriteStartArray("ioi_role");
        foreach (var l in ls) { if (IoiRoles.ToLabel(l.Ioi) is { } r) w.WriteStringValue(r); else w.WriteNullValue(); }
        w.WriteEndArray();
        Ints(w, "successor_pos", ls.Select(l => l.SuccessorPos));
        Ints(w, "template", ls.Select(l => l.Template));
        w.WriteEndObject();
    });

    private static void Ints(Utf8JsonWriter w, string name, IEnumerable<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void WriteIoi(Utf8JsonWriter w, IoiPrompt p)
    {
        w.WriteStartObject();
        w.WriteNumber("id", p.Id);
        w.WriteNumber("template", p.Template);
        w.WriteString("order", p.Order);
        Strings(w, "prompt", p.Prompt);
        w.WriteString("answer", p.Answer);
        w.WriteString("subject", p.Subject);
        w.WriteNumber("io_pos", p.IoPos);
        w.WriteNumber("s1_pos", p.S1Pos);
        w.WriteNumber("s2_pos", p.S2Pos);
        w.WriteNumber("end_pos", p.EndPos);
        Strings(w, "candidates", p.Candidates);
        w.WriteNumber("chance", p.Chance);
        w.WriteEndObject();
    }

    private static void WriteInduction(Utf8JsonWriter w, InductionPrompt p)
    {
        w.WriteStartObject();
        w.WriteNumber("id", p.Id);
        Strings(w, "prompt", p.Prompt);
        w.WriteString("answer", p.Answer);
        Strings(w, "span", p.Span);
        w.WriteNumber("first_pos", p.FirstPos);
        w.WriteNumber("repeat_pos", p.RepeatPos);
        w.WriteNumber("offset", p.Offset);
        w.WriteNumber("candidates", p.Candidates);
        w.WriteNumber("chance", p.Chance);
        w.WriteEndObject();
    }
}

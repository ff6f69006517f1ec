// `interp cache build` / `interp cache show` end to end: ids and text corpora, the text view and the JSON view (equal to
// LatentCache.Feature), and bad arguments or files (foreign, corrupted, truncated, unfinished) exiting with code 2 and
// one `error:` line.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries.Cache;
using Interp.Dictionaries.Tests.Cli;
using Interp.Host.Commands;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Tests.Cache;

[Collection(nameof(ConsoleCollection))]
public sealed class CacheCliTests : IDisposable
{
    private readonly CacheTestData _d = new();

    public void Dispose() => _d.Dispose();

    private static (int code, string stdout, string stderr) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { CacheCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private static readonly string[] SmallOptions =
        { "--context", "16", "--batch", "4", "--top", "5", "--quantiles", "4", "--per-quantile", "3", "--random", "4", "--window", "6", "--seed", "5" };

    /// <summary>build arguments with SmallOptions; <paramref name="extra"/> is appended, and an option given there replaces
    /// SmallOptions' value.</summary>
    private string[] BuildArgs(string outPath, params string[] extra)
    {
        var small = new List<string>();
        for (int i = 0; i < SmallOptions.Length; i += 2)
            if (!extra.Contains(SmallOptions[i])) small.AddRange(SmallOptions.AsSpan(i, 2));
        return new[] { "cache", "build", "--model", _d.ModelDir, "--sae", _d.SaeDir, "--ids", _d.IdsPath, "--out", outPath }.Concat(small).Concat(extra).ToArray();
    }

    [Fact]
    public void BuildThenShow_TextAndJsonAgreeWithTheApi()
    {
        string path = _d.Tmp.File("c.db");
        var (code, stdout, stderr) = Interp(BuildArgs(path));
        Assert.True(code == 0, stderr);
        using (var summary = JsonDocument.Parse(stdout))
        {
            Assert.Equal(CacheTestData.Contexts, summary.RootElement.GetProperty("contexts").GetInt64());
            Assert.Equal(CacheTestData.Contexts * CacheTestData.ContextLength, summary.RootElement.GetProperty("tokens").GetInt64());
            Assert.True(summary.RootElement.GetProperty("tokens_per_s").GetDouble() > 0);
        }
        using var cache = LatentCache.Open(path);
        int feature = Enumerable.Range(0, CacheTestData.DSae).First(f => cache.Feature(f) is { Count: > 0, RandomNegatives.Count: > 0 });
        var rec = cache.Feature(feature);

        (code, stdout, stderr) = Interp("cache", "show", "--cache", path, "--feature", feature.ToString());
        Assert.True(code == 0, stderr);
        Assert.StartsWith($"feature {feature} of {CacheTestData.DSae} · {CacheTestData.Hook}", stdout);
        Assert.Contains($"fires on {rec.Count:N0} of {rec.Tokens:N0} tokens", stdout);
        Assert.Contains("histogram of non-zero activations (20 equal bins", stdout);
        Assert.Contains("█", stdout);
        var top = rec.TopExamples[0];
        Assert.Contains($"context {top.ContextId}, position {top.PeakPosition}", stdout);
        Assert.Contains($"[[{top.Tokens[top.PeakIndex]}]]{{", stdout);                 // peak marked, its activation after it
        Assert.Contains("quantile samples (4 equal-count bins", stdout);
        Assert.Contains("random contexts where it never fires", stdout);
        Assert.DoesNotContain("\u001b[", stdout);                                        // no colour codes when redirected

        (code, stdout, stderr) = Interp("cache", "show", "--cache", path, "--feature", feature.ToString(), "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var f = doc.RootElement.GetProperty("feature");
        Assert.Equal(rec.Count, f.GetProperty("count").GetInt64());
        Assert.Equal(rec.Density, f.GetProperty("density").GetDouble());
        Assert.Equal(rec.Histogram.Counts, f.GetProperty("histogram").GetProperty("counts").EnumerateArray().Select(e => e.GetInt64()));
        var jtop = f.GetProperty("top_examples")[0];
        Assert.Equal(top.PeakIndex, jtop.GetProperty("peak_index").GetInt32());
        Assert.Equal(top.Tokens, jtop.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(top.Activations, jtop.GetProperty("activations").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal("top", jtop.GetProperty("kind").GetString());
        Assert.Equal(rec.QuantileExamples.Count, f.GetProperty("quantile_examples").GetArrayLength());
        Assert.Equal(rec.RandomNegatives.Count, f.GetProperty("random_negatives").GetArrayLength());
        Assert.Equal(21, doc.RootElement.GetProperty("histogram_edges").GetArrayLength());
    }

    [Fact]
    public void Build_TextCorpus_TokenizedWithTheModelFoldersTokenizer()
    {
        string model = _d.Tmp.Sub("model-with-tokenizer");
        foreach (var name in new[] { "config.json", "model.safetensors" }) File.Copy(Path.Combine(_d.ModelDir, name), Path.Combine(model, name));
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), CorpusTests.TinyTokenizerJson());
        string text = _d.Tmp.File("corpus.txt"), path = _d.Tmp.File("t.db");
        File.WriteAllLines(text, Enumerable.Range(0, 60).Select(i => $"w{i % 90} w{(i * 7) % 90}, w{(i * 13) % 90} w{i % 11}."));
        var (code, stdout, stderr) = Interp(new[] { "cache", "build", "--model", model, "--sae", _d.SaeDir, "--corpus", text, "--out", path }.Concat(SmallOptions).ToArray());
        Assert.True(code == 0, stderr);
        using (var summary = JsonDocument.Parse(stdout))
            Assert.Equal(60 * 6 / 16, summary.RootElement.GetProperty("contexts").GetInt64());   // 6 tokens a line
        using var cache = LatentCache.Open(path);
        var tokens = cache.Feature(CacheTestData.DenseFeature).TopExamples[0].Tokens;
        Assert.All(tokens, t => Assert.Matches(@"^(w\d+|,|\.)$", t));
    }

    [Fact]
    public void Export_WritesNpyFilesAndASummary()
    {
        string path = _d.Tmp.File("e.db"), dir = _d.Tmp.File("npy");
        _d.Build(path);
        var (code, stdout, stderr) = Interp("cache", "export", "--cache", path, "--out", dir);
        Assert.True(code == 0, stderr);
        using var summary = JsonDocument.Parse(stdout);
        using var cache = LatentCache.Open(path);
        Assert.Equal(cache.Info.Activations, summary.RootElement.GetProperty("activations").GetInt64());
        Assert.Equal(CacheTestData.Contexts, summary.RootElement.GetProperty("contexts").GetInt64());
        foreach (var (name, bytes) in new[] { ("context", 4), ("position", 4), ("feature", 2), ("value", 4) })
            Assert.Equal(cache.Info.Activations * bytes, new FileInfo(Path.Combine(dir, name + ".npy")).Length - 128);   // 128-byte header
        Assert.True(File.Exists(Path.Combine(dir, "meta.json")));
    }

    [Theory]
    [InlineData("export-out-file", "is a file; pass a folder for the .npy files")]
    [InlineData("missing-out", "Option '--out' is required")]
    [InlineData("both-inputs", "exactly one of --corpus FILE (text) and --ids FILE")]
    [InlineData("no-input", "exactly one of --corpus FILE (text) and --ids FILE")]
    [InlineData("context-zero", "context length must be >= 1 (got 0)")]
    [InlineData("context-not-int", "Cannot parse argument 'abc' for option '--context'")]
    [InlineData("context-too-long", "--context 65 is longer than the model's context (64)")]
    [InlineData("unknown-option", "unrecognized argument(s): --bogus")]
    [InlineData("corpus-no-tokenizer", "--corpus needs a tokenizer in the model folder")]
    [InlineData("out-foreign", "is not an Interp latent cache")]
    [InlineData("show-missing", "does not exist; build one with `interp cache build`")]
    [InlineData("show-random-bytes", "is not an Interp latent cache: SQLite says \"SQLite Error 26: 'file is not a database'\"")]
    [InlineData("show-foreign-sqlite", "is an SQLite database but not an Interp latent cache (it has no meta table)")]
    [InlineData("show-truncated", "is not an Interp latent cache: SQLite says")]
    [InlineData("show-unfinished", "is not finished (4 contexts stored, corpus not read to the end); re-run `interp cache build`")]
    [InlineData("show-feature-range", "feature 24 is outside this SAE's features 0..23")]
    [InlineData("show-no-feature", "Option '--feature' is required")]
    public void BadInput_ExitsWithCode2AndOneLine(string which, string expected)
    {
        string db = _d.Tmp.File(which + ".db");
        string[] args;
        switch (which)
        {
            case "missing-out": args = new[] { "cache", "build", "--model", _d.ModelDir, "--sae", _d.SaeDir, "--ids", _d.IdsPath }; break;
            case "export-out-file": _d.Build(db); args = new[] { "cache", "export", "--cache", db, "--out", _d.IdsPath }; break;
            case "both-inputs": args = BuildArgs(db, "--corpus", _d.IdsPath); break;
            case "no-input": args = new[] { "cache", "build", "--model", _d.ModelDir, "--sae", _d.SaeDir, "--out", db }; break;
            case "context-zero": args = BuildArgs(db, "--context", "0"); break;
            case "context-not-int": args = BuildArgs(db, "--context", "abc"); break;
            case "context-too-long": args = BuildArgs(db, "--context", "65"); break;
            case "unknown-option": args = BuildArgs(db, "--bogus"); break;
            case "corpus-no-tokenizer":
                File.WriteAllText(_d.Tmp.File("c.txt"), "some text");
                args = new[] { "cache", "build", "--model", _d.ModelDir, "--sae", _d.SaeDir, "--corpus", _d.Tmp.File("c.txt"), "--out", db };
                break;
            case "out-foreign":
                File.WriteAllText(db, "not a database, but somebody's notes\n");
                args = BuildArgs(db);
                break;
            case "show-missing": args = new[] { "cache", "show", "--cache", db, "--feature", "0" }; break;
            case "show-random-bytes":
                File.WriteAllBytes(db, Enumerable.Range(0, 8192).Select(i => (byte)(i * 31 + 7)).ToArray());
                args = new[] { "cache", "show", "--cache", db, "--feature", "0" };
                break;
            case "show-foreign-sqlite":
                using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString()))
                {
                    c.Open();
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hi');";
                    cmd.ExecuteNonQuery();
                }
                args = new[] { "cache", "show", "--cache", db, "--feature", "0" };
                break;
            case "show-truncated":
                _d.Build(db);
                using (var fs = new FileStream(db, FileMode.Open)) fs.SetLength(4096);   // page 1 only: the tables' pages are gone
                args = new[] { "cache", "show", "--cache", db, "--feature", "0" };
                break;
            case "show-unfinished":
                Assert.ThrowsAny<Exception>(() => _d.Build(db, progress: e => { if (e.Stage == CacheStage.BatchCommitted) throw new OperationCanceledException(); }));
                args = new[] { "cache", "show", "--cache", db, "--feature", "0" };
                break;
            case "show-feature-range":
                _d.Build(db);
                args = new[] { "cache", "show", "--cache", db, "--feature", "24" };
                break;
            default: args = new[] { "cache", "show", "--cache", db }; break;
        }
        var (code, stdout, stderr) = Interp(args);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(expected, stderr);
        if (which == "out-foreign") Assert.Equal("not a database, but somebody's notes\n", File.ReadAllText(db));   // left untouched
    }
}

// `interp index` and `interp search` end to end on the embedded default, with the shipped english-small model and SAE:
// records indexed with decoder directions (twice: no duplicates), found by meaning, by direction (checked against a brute-
// force cosine over the SAE's W_dec rows) and by activation (checked against ActiveFeatures), and bad input exiting 2
// with one clear line and nothing written.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Analysis;
using Interp.Host.Commands;
using Interp.Index;
using Interp.Index.Records;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Tests.Commands;

/// <summary>These tests swap Console.Out/Error, which are process-wide: nothing else may run beside them.</summary>
[CollectionDefinition(nameof(ConsoleSwap), DisableParallelization = true)]
public class ConsoleSwap { }

[Collection(nameof(ConsoleSwap))]
public sealed class IndexSearchCliTests : IDisposable
{
    internal static readonly string Root = RepoRoot();
    internal static readonly string SaeDir = Path.Combine(Root, "evals/saes/english-small-resid2-topk");
    private static readonly string ModelDir = Path.Combine(Root, "evals/models/english-small");
    private static readonly string[] Labels =
    [
        "dates and months of the year", "closing brackets and parentheses", "the word the", "numbers written as digits", "names of people",
        "verbs in the past tense", "food and cooking", "cities and countries", "quotation marks", "the end of a sentence",
    ];
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-index-cli-").FullName;
    private string Db => Path.Combine(_dir, "index.db");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Agent.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root (Agent.sln) not found above the test binaries");
    }

    internal static (int Code, string Out, string Err) Interp(params string[] args)
    {
        var root = new RootCommand("test root") { IndexCommand.Create(), SearchCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    /// <summary>Features 0, 7, 14, … of the shipped SAE with the labels above; the last one unlabeled.</summary>
    private string WriteRecords(string name = "records.jsonl", Func<int, string, string>? edit = null)
    {
        var sae = new SaeIdentity(DecoderDirections.Fingerprint(SaeDir), "english-small-resid2-topk", "blocks.2.hook_resid_post", 2, 256, 2048, "topk");
        var lines = Labels.Select((text, i) => FeatureRecordJson.Serialize(new FeatureRecord
        {
            Sae = sae, Model = new ModelIdentity("m", "english-small", "gpt2"), Feature = i * 7,
            Explanations = i == Labels.Length - 1 ? [] : [new Explanation(text, "offline", null, null, null, [])],
            Scores = i == Labels.Length - 1 ? [] : [new Score("simulation", "offline_lexical", 0.1 * i, 0, 1, 0, new Dictionary<string, double>(), [], null, null)],
            Provenance = new Provenance("run-1", DateTimeOffset.Parse("2026-12-01T00:00:00Z"), "test"),
        })).Select((l, i) => edit?.Invoke(i, l) ?? l);
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Index_RecordsTwice_NoDuplicatesAndSearchByMeaning()
    {
        string records = WriteRecords();
        var (code, stdout, stderr) = Interp("index", "--records", records, "--sae", SaeDir, "--index", Db);
        Assert.True(code == 0, stderr);
        Assert.Contains("indexed 10 features (9 labeled, 10 with decoder directions)", stdout);
        (code, stdout, stderr) = Interp("index", "--records", records, "--sae", SaeDir, "--index", Db, "--json");
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(stdout)) Assert.Equal(10, doc.RootElement.GetProperty("total").GetInt32());

        (code, stdout, stderr) = Interp("search", "--text", "features about the calendar", "--index", Db, "--top", "3", "--json");
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var hits = doc.RootElement.EnumerateArray().ToList();
            Assert.Equal(3, hits.Count);
            Assert.Equal(0, hits[0].GetProperty("record").GetProperty("feature").GetInt32());
            Assert.True(hits[0].GetProperty("score").GetDouble() > hits[1].GetProperty("score").GetDouble());
        }
        (code, stdout, _) = Interp("search", "--text", "the calendar", "--index", Db, "--min-score", "0.35", "--top", "20");
        Assert.Equal(0, code);
        Assert.DoesNotContain("#0 ", stdout);                     // feature 0 scores 0.0
        Assert.Contains("#28 ", stdout);                          // 0.4
        (code, stdout, _) = Interp("search", "--text", "the calendar", "--index", Db, "--sae", "another-sae");
        Assert.Equal(0, code);
        Assert.Contains("no matching features (the index holds 10", stdout);
    }

    [Fact]
    public void SearchFeature_DecoderNeighbours_BruteForceCosineOrder()
    {
        Assert.Equal(0, Interp("index", "--records", WriteRecords(), "--sae", SaeDir, "--index", Db).Code);
        var (code, stdout, stderr) = Interp("search", "--feature", "14", "--sae", SaeDir, "--index", Db, "--top", "4", "--json");
        Assert.True(code == 0, stderr);
        var d = DecoderDirections.Load(SaeDir);
        static double Cos(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));
        var expected = Enumerable.Range(0, 10).Select(i => i * 7).Where(f => f != 14)
            .OrderByDescending(f => Cos(d.Row(14)!, d.Row(f)!)).Take(4).ToList();
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("the word the", doc.RootElement.GetProperty("record").GetProperty("explanations")[0].GetProperty("text").GetString());
        var got = doc.RootElement.GetProperty("neighbours").EnumerateArray().ToList();
        Assert.Equal(expected, got.Select(h => h.GetProperty("record").GetProperty("feature").GetInt32()));
        Assert.True(Math.Abs(Cos(d.Row(14)!, d.Row(expected[0])!) - got[0].GetProperty("score").GetDouble()) < 1e-5);
    }

    [Fact]
    public void SearchActivating_Text_ActiveFeaturesWithTheirLabels()
    {
        Assert.Equal(0, Interp("index", "--records", WriteRecords(), "--sae", SaeDir, "--index", Db).Code);
        const string text = "In the beginning God created the heaven and the earth.";
        var (code, stdout, stderr) = Interp("search", "--activating", text, "--model", ModelDir, "--sae", SaeDir, "--index", Db, "--top", "40", "--json");
        Assert.True(code == 0, stderr);
        using var sae = Sae.Load(SaeDir);
        var expected = ActiveFeatures.Compute(ModelLoader.Load(ModelDir), TokenizerLoader.Load(ModelDir), sae, text, 40);
        using var doc = JsonDocument.Parse(stdout);
        var got = doc.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(expected.Features.Select(f => f.Feature), got.Select(g => g.GetProperty("feature").GetInt32()));
        foreach (var g in got)
        {
            int f = g.GetProperty("feature").GetInt32();
            var rec = g.GetProperty("record");
            if (f % 7 == 0 && f <= 63) Assert.Equal(f, rec.GetProperty("feature").GetInt32());   // indexed: its record rides along
            else Assert.Equal(JsonValueKind.Null, rec.ValueKind);
        }
    }

    [Fact]
    public void Index_BadRecordOnLine3_Exit2NamesLineNothingWritten()
    {
        string records = WriteRecords(edit: (i, l) => i == 2 ? l.Replace("\"schema_version\":1", "\"schema_version\":7") : l);
        var (code, stdout, stderr) = Interp("index", "--records", records, "--index", Db);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("records.jsonl:3:", stderr);
        Assert.Contains("schema_version 7", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal("", stdout);
        var (c2, _, e2) = Interp("search", "--text", "x", "--index", Db);   // nothing was written: there is no index
        Assert.Equal(2, c2);
        Assert.Contains("no feature index at", e2);
    }

    [Theory]
    [InlineData("not-sqlite", "is not a SQLite file")]
    [InlineData("bad-filter", "did you mean 'layer'")]
    [InlineData("two-modes", "exactly one of")]
    [InlineData("feature-without-sae", "needs --sae DIR")]
    [InlineData("wrong-sae", "d_in")]
    [InlineData("bad-backend", "not a backend")]
    public void BadInput_Exit2OneClearLine(string what, string expected)
    {
        string records = WriteRecords();
        Assert.Equal(0, Interp("index", "--records", records, "--index", Db).Code);
        string junk = Path.Combine(_dir, "junk.db");
        File.WriteAllText(junk, "not a database at all, just some text");
        string[] args = what switch
        {
            "not-sqlite" => ["search", "--text", "x", "--index", junk],
            "bad-filter" => ["search", "--text", "x", "--index", Db, "--filter", "{\"layr\": 2}"],
            "two-modes" => ["search", "--text", "x", "--feature", "3", "--index", Db],
            "feature-without-sae" => ["search", "--feature", "3", "--index", Db],
            "wrong-sae" => ["index", "--records", WriteRecords("wide.jsonl", (_, l) => l.Replace("\"d_in\":256", "\"d_in\":512")), "--sae", SaeDir, "--index", Db],
            _ => ["index", "--records", records, "--to", "pgvector"],
        };
        var (code, _, stderr) = Interp(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal("not a database at all, just some text", File.ReadAllText(junk));
    }

    [Fact]
    public void Index_QdrantUnreachable_RetriedThenErrorNamingUrl()
    {
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { l.Start(); port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port; }
        string url = $"http://127.0.0.1:{port}";
        string records = WriteRecords();
        string before = File.ReadAllText(records);
        var (code, stdout, stderr) = Interp("index", "--records", records, "--to", "qdrant", "--qdrant-url", url);
        Assert.Equal(2, code);
        Assert.Contains(url, stderr);
        Assert.Contains("after 4 attempts", stderr);
        Assert.Contains("docker run -p 6333:6333 -p 6334:6334 qdrant/qdrant", stderr);
        Assert.Equal("", stdout);
        Assert.Equal(before, File.ReadAllText(records));
    }
}

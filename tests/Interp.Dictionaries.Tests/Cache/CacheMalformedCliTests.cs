// Malformed latent-cache files through the real CLI entry point (`cache show`, and `cache build --out` on an existing
// file, which re-reads every context row when finalize settings change): each exits with code 2 and one `error:` line
// that names the file and says what is wrong, with no stack trace, and never shows a damaged feature as "never fires".
using System.CommandLine;
using Interp.Dictionaries.Cache;
using Interp.Dictionaries.Tests.Cli;
using Interp.Host.Commands;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Interp.Dictionaries.Tests.Cache;

[Collection(nameof(ConsoleCollection))]
public sealed class CacheMalformedCliTests : IClassFixture<CacheMalformedCliTests.Good>
{
    /// <summary>One finished cache the cases copy and damage, and a second SAE and model folder for identity cases.</summary>
    public sealed class Good : IDisposable
    {
        public CacheTestData Data { get; } = new();
        public CacheTestData Other { get; } = new(seed: 12);
        public string Path { get; }
        public string OtherModelDir { get; }

        public Good()
        {
            Path = Data.Tmp.File("good.db");
            var (code, _, err) = Run(BuildArgs(Data, Path));
            Assert.True(code == 0, err);
            OtherModelDir = Data.Tmp.Sub("other-model");
            foreach (var name in new[] { "config.json", "model.safetensors" }) File.Copy(System.IO.Path.Combine(Data.ModelDir, name), System.IO.Path.Combine(OtherModelDir, name));
            File.AppendAllText(System.IO.Path.Combine(OtherModelDir, "config.json"), "\n");   // same weights, another checkpoint by its fingerprint
        }

        public void Dispose()
        {
            Data.Dispose();
            Other.Dispose();
        }
    }

    private readonly Good _g;
    private readonly ITestOutputHelper _out;
    private int _n;

    public CacheMalformedCliTests(Good g, ITestOutputHelper output) => (_g, _out) = (g, output);

    private static readonly string[] SmallOptions =
        { "--context", "16", "--batch", "4", "--top", "5", "--quantiles", "4", "--per-quantile", "3", "--random", "4", "--window", "6", "--seed", "5" };

    /// <summary>build arguments with SmallOptions; an option in <paramref name="extra"/> replaces SmallOptions' value.</summary>
    private static string[] BuildArgs(CacheTestData d, string outPath, string? sae = null, string? model = null, params string[] extra)
    {
        var small = new List<string>();
        for (int i = 0; i < SmallOptions.Length; i += 2)
            if (!extra.Contains(SmallOptions[i])) small.AddRange(SmallOptions.AsSpan(i, 2));
        return new[] { "cache", "build", "--model", model ?? d.ModelDir, "--sae", sae ?? d.SaeDir, "--ids", d.IdsPath, "--out", outPath }
            .Concat(small).Concat(extra).ToArray();
    }

    private static (int code, string stdout, string stderr) Run(params string[] args)
    {
        var root = new RootCommand("test root") { CacheCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private string Copy()
    {
        string p = _g.Data.Tmp.File($"case{Interlocked.Increment(ref _n)}-{Guid.NewGuid():N}.db");
        File.Copy(_g.Path, p);
        return p;
    }

    private static void Sql(string path, string sql)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Rewrites context 3's row with <paramref name="edit"/> applied to its bytes; <paramref name="fixCrc"/>
    /// recomputes the checksum, so the damage is one the structural checks must find.</summary>
    private static void EditContext(string path, Action<byte[]> edit, bool fixCrc) => EditBlob(path, "contexts", "data", "id = 3", edit, fixCrc);

    private static void EditBlob(string path, string table, string column, string where, Action<byte[]> edit, bool fixCrc)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        using var get = c.CreateCommand();
        get.CommandText = $"SELECT {column} FROM {table} WHERE {where}";
        var b = (byte[])get.ExecuteScalar()!;
        edit(b);
        if (fixCrc) System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b, Crc32C.Of(b.AsSpan(4)));
        using var put = c.CreateCommand();
        put.CommandText = $"UPDATE {table} SET {column} = $d WHERE {where}";
        put.Parameters.AddWithValue("$d", b);
        put.ExecuteNonQuery();
    }

    private static void MkFifo(string path)
    {
        using var p = System.Diagnostics.Process.Start("mkfifo", path)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    // offsets in a context blob (CacheTestData: 16 tokens, 24 features, so 2-byte ids): crc, n, tokens at 8, counts at 72
    private const int TokensAt = 8, CountsAt = 8 + 4 * CacheTestData.ContextLength;

    public static TheoryData<string, string> Cases => new()
    {
        // cache show: what the file is
        { "show-missing", "does not exist; build one with `interp cache build`" },
        { "show-directory", "is a directory, not a latent cache file" },
        { "show-fifo", "is a FIFO (named pipe), not a latent cache file" },
        { "show-empty", "is empty (0 bytes), not a latent cache" },
        { "show-text", "is not an Interp latent cache: SQLite says" },
        { "show-random-bytes", "is not an Interp latent cache: SQLite says \"SQLite Error 26: 'file is not a database'\"" },
        { "show-truncated-page1", "is not an Interp latent cache: SQLite says" },
        { "show-truncated-half", "SQLite says" },
        { "show-foreign-sqlite", "is an SQLite database but not an Interp latent cache (it has no meta table)" },
        { "show-wrong-format", "not an Interp latent cache (meta format is 'somebody-else', expected 'interp-latent-cache')" },
        { "show-version-1", "is a latent cache of version 1; this build reads version 2 (version 1 stored a row per activation" },
        { "show-version-3", "is a latent cache of version 3; this build reads version 2. Rebuild it" },
        { "show-meta-not-text", "its meta key 'format' holds a blob, not text" },
        // cache show: damaged meta and feature rows
        { "show-meta-d_sae", "is damaged: its meta key 'd_sae' is 'abc', not a number" },
        { "show-meta-contexts", "is damaged: its last context row is 21 where its meta says 30 contexts were stored" },
        { "show-features-gone", "is damaged: it is marked finalized but holds 0 feature rows for 24 features" },
        { "show-feature-count", "is damaged: the row of feature 7 has a histogram of 20 bins summing to 352, not 351" },
        { "show-feature-count-text", "the row of feature 7 holds text in column 'count' where an integer belongs" },
        { "show-feature-histogram-json", "the row of feature 7 has a malformed histogram or quantile bins" },
        { "show-feature-bins-object", "the row of feature 7 has quantile bins that are not a list" },
        { "show-feature-mean", "the row of feature 7 has max" },
        { "show-feature-examples-flip", "the row of feature 7 has damaged examples: a checksum mismatch" },
        { "show-feature-examples-short", "the row of feature 7 has damaged examples: 1 bytes, shorter than their header" },
        { "show-unfinished", "is not finished (4 contexts stored, corpus not read to the end)" },
        // cache build --out: odd files, foreign or older caches, other inputs, a writer already at work
        { "out-directory", "is a directory, not a latent cache file" },
        { "out-fifo", "is a FIFO (named pipe), not a latent cache file" },
        { "out-folder-missing", "does not exist; create it first" },
        { "out-random-bytes", "is not an Interp latent cache: SQLite says" },
        { "out-foreign-sqlite", "is an SQLite database but not an Interp latent cache (it has no meta table)" },
        { "out-version-1", "is a latent cache of version 1; this build reads version 2" },
        { "out-other-sae", "is a latent cache of a different SAE (sae_fingerprint" },
        { "out-other-model", "is a latent cache of a different model (model_fingerprint" },
        { "out-in-use", "is in use by process" },
        // cache build --out with new finalize settings: every context row is read again and checked
        { "rows-flipped-byte", "has a damaged row for context 3: checksum mismatch" },
        { "rows-missing", "is damaged: context 3 is missing (the next row is 4)" },
        { "rows-text", "is damaged: the row of context 3 is not a blob" },
        { "rows-feature-id", "has a damaged row for context 3: feature id 999 at position 0 is outside the SAE's features 0..23" },
        { "rows-token-id", "has a damaged row for context 3: token id 5000 at position 0 is outside the vocabulary 0..100" },
        { "rows-counts", "has a damaged row for context 3: position counts sum to" },
        { "rows-zero-value", "has a damaged row for context 3: activation 0 for feature" },
        { "rows-extra", "is damaged: it holds a row for context 22 but its meta says 22 contexts were stored" },
        { "rows-activations-meta", "is damaged: its rows hold" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MalformedCache_ExitsWithCode2NamingTheFileAndTheFault(string which, string expected)
    {
        var d = _g.Data;
        string db = d.Tmp.File($"{which}.db");
        string[] Show(string p) => new[] { "cache", "show", "--cache", p, "--feature", $"{CacheTestData.DenseFeature}" };
        string[] Refinalize(string p) => BuildArgs(d, p, extra: new[] { "--top", "4" });
        string[] args;
        CacheLockHolder? held = null;
        switch (which)
        {
            case "show-missing": args = Show(db); break;
            case "show-directory": Directory.CreateDirectory(db); args = Show(db); break;
            case "show-fifo": MkFifo(db); args = Show(db); break;
            case "show-empty": File.WriteAllBytes(db, []); args = Show(db); break;
            case "show-text": File.WriteAllText(db, "feature,count\n7,353\n"); args = Show(db); break;
            case "show-random-bytes": File.WriteAllBytes(db, Enumerable.Range(0, 8192).Select(i => (byte)(i * 31 + 7)).ToArray()); args = Show(db); break;
            case "show-truncated-page1": File.Copy(_g.Path, db); Truncate(db, 4096); args = Show(db); break;
            case "show-truncated-half": File.Copy(_g.Path, db); Truncate(db, new FileInfo(db).Length / 2); args = Show(db); break;
            case "show-foreign-sqlite": Sql(db, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hi');"); args = Show(db); break;
            default:
                db = Copy();
                args = which.StartsWith("show") ? Show(db) : which.StartsWith("rows") ? Refinalize(db) : BuildArgs(d, db);
                break;
        }
        switch (which)
        {
            case "show-wrong-format": Sql(db, "UPDATE meta SET value = 'somebody-else' WHERE key = 'format'"); break;
            case "show-version-1": Sql(db, "UPDATE meta SET value = '1' WHERE key = 'version'"); break;
            case "show-version-3": Sql(db, "UPDATE meta SET value = '3' WHERE key = 'version'"); break;
            case "show-meta-not-text": Sql(db, "UPDATE meta SET value = x'00ff' WHERE key = 'format'"); break;
            case "show-meta-d_sae": Sql(db, "UPDATE meta SET value = 'abc' WHERE key = 'd_sae'"); break;
            case "show-meta-contexts": Sql(db, "UPDATE meta SET value = '30' WHERE key = 'contexts_done'; UPDATE meta SET value = '480' WHERE key = 'tokens_done'"); break;
            case "show-features-gone": Sql(db, "DELETE FROM features"); break;
            case "show-feature-count": Sql(db, "UPDATE features SET count = count - 1, density = (count - 1) / 352.0 WHERE feature = 7"); break;
            case "show-feature-count-text": Sql(db, "UPDATE features SET count = 'many' WHERE feature = 7"); break;
            case "show-feature-histogram-json": Sql(db, "UPDATE features SET histogram = '[1, 2' WHERE feature = 7"); break;
            case "show-feature-bins-object": Sql(db, "UPDATE features SET quantile_bins = '{\"count\": 1}' WHERE feature = 7"); break;
            case "show-feature-mean": Sql(db, "UPDATE features SET max = mean / 2 WHERE feature = 7"); break;
            case "show-feature-examples-flip": EditBlob(db, "features", "examples", "feature = 7", b => b[40] ^= 0xff, fixCrc: false); break;
            case "show-feature-examples-short": Sql(db, "UPDATE features SET examples = x'00' WHERE feature = 7"); break;
            case "show-unfinished":
                File.Delete(db);
                Assert.ThrowsAny<Exception>(() => d.Build(db, progress: e => { if (e.Stage == CacheStage.BatchCommitted) throw new OperationCanceledException(); }));
                break;
            case "out-directory": File.Delete(db); Directory.CreateDirectory(db); break;
            case "out-fifo": File.Delete(db); MkFifo(db); break;
            case "out-folder-missing": File.Delete(db); db = Path.Combine(d.Tmp.Path, "no-such-folder", "c.db"); args = BuildArgs(d, db); break;
            case "out-random-bytes": File.WriteAllBytes(db, Enumerable.Range(0, 8192).Select(i => (byte)(i * 17 + 3)).ToArray()); break;
            case "out-foreign-sqlite": File.Delete(db); Sql(db, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"); break;
            case "out-version-1": Sql(db, "UPDATE meta SET value = '1' WHERE key = 'version'"); break;
            case "out-other-sae": args = BuildArgs(d, db, sae: _g.Other.SaeDir); break;
            case "out-other-model": args = BuildArgs(d, db, model: _g.OtherModelDir); break;
            case "out-in-use": held = new CacheLockHolder(db); break;
            case "rows-flipped-byte": EditContext(db, b => b[^3] ^= 0x40, fixCrc: false); break;
            case "rows-missing": Sql(db, "DELETE FROM contexts WHERE id = 3"); break;
            case "rows-text": Sql(db, "UPDATE contexts SET data = 'tokens go here' WHERE id = 3"); break;
            case "rows-feature-id": EditContext(db, b => { b[CountsAt + CacheTestData.ContextLength] = 0xE7; b[CountsAt + CacheTestData.ContextLength + 1] = 0x03; }, fixCrc: true); break;
            case "rows-token-id": EditContext(db, b => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(TokensAt), 5000), fixCrc: true); break;
            case "rows-counts": EditContext(db, b => b[CountsAt] += 1, fixCrc: true); break;
            case "rows-zero-value": EditContext(db, b => b.AsSpan(b.Length - 4).Clear(), fixCrc: true); break;
            case "rows-extra": Sql(db, "INSERT INTO contexts(id, data) SELECT 22, data FROM contexts WHERE id = 3"); break;
            case "rows-activations-meta": Sql(db, "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'activations'"); break;
        }
        byte[]? before = File.Exists(db) && CachePathKind.Of(db) == PathKind.File ? File.ReadAllBytes(db) : null;
        int code; string stdout, stderr;
        try { (code, stdout, stderr) = Run(args); }
        finally { held?.Dispose(); }

        _out.WriteLine($"{which}: exit {code}: {stderr.Trim()}");
        Assert.True(code == 2, $"{which}: exit {code}: {stderr}");
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", stderr);                                          // no stack trace
        Assert.DoesNotContain("never fires", stderr);
        Assert.True(stderr.Contains(db), $"{which}: the message does not name the file: {stderr}");
        Assert.True(stderr.Contains(expected), $"{which}: expected \"{expected}\" in: {stderr}");
        if (before is not null && !which.StartsWith("rows") && which != "out-in-use")
            Assert.Equal(before, File.ReadAllBytes(db));                                   // a refused file is left as it was
    }

    private static void Truncate(string path, long length)
    {
        using var fs = new FileStream(path, FileMode.Open);
        fs.SetLength(length);
    }

    /// <summary>Holds the cache's writer lock as another build would.</summary>
    private sealed class CacheLockHolder(string path) : IDisposable
    {
        private readonly CacheLock _lock = CacheLock.Acquire(path);
        public void Dispose() => _lock.Dispose();
    }
}

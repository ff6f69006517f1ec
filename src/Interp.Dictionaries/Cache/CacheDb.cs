// The latent cache's SQLite file: schema (version 2), the meta table of identity and progress keys, atomic creation, and
// opening with checks that turn a foreign, damaged, old or odd file (directory, FIFO, empty) into an InvalidDataException
// that says what was found. Not the build (LatentCacheBuilder), finalize (CacheFinalizer) or reading (LatentCache).
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

internal static class CacheDb
{
    public const string Format = "interp-latent-cache";
    public const int Version = 2;

    // Schema, version 2 (version 1 stored one row per activation, ~46 bytes each):
    //   meta(key, value)        identity (format, version, model, sae, corpus, fingerprints, context) and progress
    //   contexts(id, data)      one row per context: token ids and non-zero activations (ContextBlob, ~6 bytes/activation)
    //   vocab(id, text)         display string of every token id seen
    //   features(feature, ...)  per feature: count, density, max, mean, histogram and quantile bins (JSON), and its
    //                           top / quantile / random-negative windows (ExampleBlob), written by finalize
    private const string Ddl = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE contexts(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
        CREATE TABLE vocab(id INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE TABLE features(feature INTEGER PRIMARY KEY, count INTEGER NOT NULL, density REAL NOT NULL, max REAL NOT NULL,
                              mean REAL NOT NULL, histogram TEXT NOT NULL, quantile_bins TEXT NOT NULL, examples BLOB NOT NULL);
        """;

    /// <summary>What each identity key means, for messages.</summary>
    private static readonly Dictionary<string, string> IdentityNames = new()
    {
        ["model_fingerprint"] = "model", ["sae_fingerprint"] = "SAE", ["hook_name"] = "hook", ["d_sae"] = "SAE width (d_sae)",
        ["d_vocab"] = "vocabulary size", ["corpus_kind"] = "corpus kind (--corpus text or --ids)", ["corpus_fingerprint"] = "corpus",
        ["context"] = "context length (--context)",
    };

    /// <summary>Opens the cache at <paramref name="path"/> for building, creating it first when absent (or empty) with
    /// <paramref name="identity"/> and <paramref name="info"/>: created under another name and renamed into place, so the
    /// path never holds a half-initialised file. An existing file must be a cache of this version with the same identity.
    /// The caller holds the cache's lock.</summary>
    public static SqliteConnection OpenForBuild(string path, IReadOnlyDictionary<string, string> identity, IReadOnlyDictionary<string, string> info)
    {
        var kind = CheckBuildPath(path);
        if (kind == PathKind.Missing || new FileInfo(path).Length == 0) Create(path, identity, info);
        var conn = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            CheckFormat(conn, path);
            foreach (var (k, v) in identity)
            {
                var had = GetMeta(conn, k);
                if (had == v) continue;
                string what = IdentityNames.GetValueOrDefault(k, k);
                string from = k switch { "model_fingerprint" => $", built from '{GetMeta(conn, "model")}'", "sae_fingerprint" => $", built from '{GetMeta(conn, "sae")}'", _ => "" };
                throw new InvalidDataException($"'{path}' is a latent cache of a different {what} ({k} '{Short(had)}'{from}; now '{Short(v)}'); " +
                    "resume with the same model, SAE, corpus and --context, or pass a new --out.");
            }
            BeginBuild(conn);
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Refuses a build path that is a directory, FIFO, device or socket, or whose folder does not exist (before
    /// the lock file is made next to it). Returns what the path is: Missing or File.</summary>
    public static PathKind CheckBuildPath(string path)
    {
        var kind = CachePathKind.Of(path);
        if (kind is not (PathKind.Missing or PathKind.File))
            throw new InvalidDataException($"--out '{path}' is {CachePathKind.Describe(kind)}, not a latent cache file; pass a file path" +
                (kind == PathKind.Directory ? $" (e.g. {Path.Combine(path, "cache.db")})." : "."));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (kind == PathKind.Missing && dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"--out '{path}': folder '{dir}' does not exist; create it first.");
        return kind;
    }

    private static string Short(string? s) => s is null ? "absent" : s.Length > 16 && s.All(char.IsAsciiHexDigit) ? s[..12] + "…" : s;

    /// <summary>Writes a new cache (schema, identity, zero progress) at path + ".init", then renames it onto the path.
    /// A kill at any instant leaves either no cache (and an .init file the next run replaces) or a complete empty one.</summary>
    private static void Create(string path, IReadOnlyDictionary<string, string> identity, IReadOnlyDictionary<string, string> info)
    {
        string tmp = path + ".init";
        foreach (var stale in new[] { tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm", path + "-journal", path + "-wal", path + "-shm" })
            File.Delete(stale);   // a killed creation's leftovers; or a deleted cache's log, which SQLite would replay into the new file
        using (var conn = Connect(tmp, SqliteOpenMode.ReadWriteCreate))
        {
            CacheFaults.At("init-created");
            using var tx = conn.BeginTransaction();
            Exec(conn, Ddl);
            SetMeta(conn, "format", Format);
            SetMeta(conn, "version", Version.ToString(CultureInfo.InvariantCulture));
            foreach (var (k, v) in identity) SetMeta(conn, k, v);
            foreach (var (k, v) in info) SetMeta(conn, k, v);
            SetMeta(conn, "created_utc", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            tx.Commit();
        }
        CacheFaults.At("init-written");
        File.Move(tmp, path, overwrite: true);
        CacheFaults.At("created");
    }

    /// <summary>While building: a write-ahead log with fsync at checkpoints only; a kill or power cut loses at most the
    /// latest commits and never leaves a half-written batch. The finished file goes back to one file (EndBuild).</summary>
    private static void BeginBuild(SqliteConnection conn) => Exec(conn, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");

    /// <summary>Checkpoints the write-ahead log into the file and leaves WAL mode, so a finished cache is one self-contained
    /// file that read-only openers need no -wal/-shm files for.</summary>
    public static void EndBuild(SqliteConnection conn)
    {
        try { Exec(conn, "PRAGMA journal_mode = DELETE"); }
        catch (SqliteException) { }    // a reader has the file open: it stays in WAL mode, an equally valid cache
    }

    /// <summary>Opens an existing cache read-only after checking that it is one (kind of file, format and version).</summary>
    public static SqliteConnection OpenExisting(string path)
    {
        var kind = CachePathKind.Of(path);
        if (kind == PathKind.Missing) throw new FileNotFoundException($"latent cache '{path}' does not exist; build one with `interp cache build`.", path);
        if (kind != PathKind.File) throw new InvalidDataException($"'{path}' is {CachePathKind.Describe(kind)}, not a latent cache file; pass the file made by `interp cache build`.");
        if (new FileInfo(path).Length == 0)
            throw new InvalidDataException($"'{path}' is empty (0 bytes), not a latent cache; build one with `interp cache build --out {path}` (an interrupted build resumes).");
        var conn = Connect(path, SqliteOpenMode.ReadOnly);
        try
        {
            CheckFormat(conn, path);
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        // no pooling: a disposed connection really closes the file (tests delete it; a killed build leaves nothing open)
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString();
        var conn = new SqliteConnection(cs);
        try { conn.Open(); }
        catch (SqliteException e)
        {
            conn.Dispose();
            throw new InvalidDataException($"cannot open latent cache '{path}': {e.Message}", e);
        }
        return conn;
    }

    private static void CheckFormat(SqliteConnection conn, string path)
    {
        string? format, version;
        try
        {
            bool hasMeta = Scalar<long>(conn, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") == 1;
            if (!hasMeta)
                throw new InvalidDataException($"'{path}' is an SQLite database but not an Interp latent cache (it has no meta table); " +
                    "pass a file made by `interp cache build`.");
            format = GetMeta(conn, "format");
            version = GetMeta(conn, "version");
        }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"'{path}' is not an Interp latent cache: SQLite says \"{e.Message.TrimEnd('.')}\" " +
                "(not an SQLite file, or a damaged one); pass a file made by `interp cache build`, or rebuild it.", e);
        }
        if (format != Format)
            throw new InvalidDataException($"'{path}' is an SQLite database but not an Interp latent cache (meta format is '{format ?? "absent"}', expected '{Format}').");
        if (version != Version.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"'{path}' is a latent cache of version {version ?? "absent"}; this build reads version {Version}" +
                (version == "1" ? " (version 1 stored a row per activation, version 2 a row per context)" : "") +
                $". Rebuild it: delete it and re-run `interp cache build` (or pass a new --out).");
    }

    /// <summary>The cache's context layout from its meta keys, checked for consistency.</summary>
    public static ContextLayout Layout(SqliteConnection conn, string path)
    {
        long dSae = MetaLong(conn, path, "d_sae"), t = MetaLong(conn, path, "context"), vocab = MetaLong(conn, path, "d_vocab");
        if (dSae < 1 || dSae > int.MaxValue) throw Damaged(path, $"its meta key 'd_sae' is {dSae}");
        if (t < 1 || t > int.MaxValue) throw Damaged(path, $"its meta key 'context' is {t}");
        if (vocab < 0 || vocab > int.MaxValue) throw Damaged(path, $"its meta key 'd_vocab' is {vocab}");
        return new ContextLayout((int)t, (int)dSae, (int)vocab);
    }

    public static InvalidDataException Damaged(string path, string what) =>
        new($"the latent cache '{path}' is damaged: {what}; rebuild it (delete it and re-run `interp cache build`).");

    public static string? GetMeta(SqliteConnection conn, string key)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() switch
        {
            null or DBNull => null,
            string s => s,
            byte[] => throw Damaged(conn.DataSource, $"its meta key '{key}' holds a blob, not text"),
            var other => throw Damaged(conn.DataSource, $"its meta key '{key}' holds a {other.GetType().Name}, not text"),
        };
    }

    /// <summary>A numeric meta key (<paramref name="missing"/> when absent); a non-number is an InvalidDataException.</summary>
    public static long MetaLong(SqliteConnection conn, string path, string key, long missing = 0) => GetMeta(conn, key) switch
    {
        null => missing,
        var s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v
            : throw Damaged(path, $"its meta key '{key}' is '{s}', not a number"),
    };

    public static long GetMetaLong(SqliteConnection conn, string key, long missing = 0) => MetaLong(conn, conn.DataSource, key, missing);

    /// <summary>Sets a meta key (inside the caller's transaction, if any).</summary>
    public static void SetMeta(SqliteConnection conn, string key, string value)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "INSERT INTO meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    public static void SetMeta(SqliteConnection conn, string key, long value) => SetMeta(conn, key, value.ToString(CultureInfo.InvariantCulture));

    public static void Exec(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static T Scalar<T>(SqliteConnection conn, string sql, params (string name, object value)[] args)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }
}

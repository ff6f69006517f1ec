// The latent cache's SQLite file: schema (version 1), the meta table of identity and progress keys, and opening with
// checks that turn a foreign or corrupted file into an InvalidDataException that says what was found. Not the build
// (LatentCacheBuilder), finalize (CacheFinalizer) or reading (LatentCache).
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

internal static class CacheDb
{
    public const string Format = "interp-latent-cache";
    public const int Version = 1;

    // Schema, version 1. Values are float32 activations stored as REAL; token ids and windows as little-endian blobs.
    //   meta(key, value)                      identity (format, version, model, sae, corpus, fingerprints, context) and progress
    //   contexts(id, tokens)                  every context's token ids, int32 LE [context]
    //   vocab(id, text)                       display string of every token id seen
    //   acts(context, feature, pos, value)    only non-zero activations; primary key (context, feature, pos)
    //   acts_by_value                         index (feature, value DESC, context, pos), built by finalize
    //   features(feature, ...)                per-feature count, density, max, mean, histogram and quantile edges (JSON)
    //   examples(feature, kind, rank, ...)    top / quantile / random-negative windows: tokens int32 LE, acts float32 LE
    private const string Ddl = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE contexts(id INTEGER PRIMARY KEY, tokens BLOB NOT NULL);
        CREATE TABLE vocab(id INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE TABLE acts(context INTEGER NOT NULL, feature INTEGER NOT NULL, pos INTEGER NOT NULL, value REAL NOT NULL,
                          PRIMARY KEY(context, feature, pos)) WITHOUT ROWID;
        CREATE TABLE features(feature INTEGER PRIMARY KEY, count INTEGER NOT NULL, density REAL NOT NULL, max REAL NOT NULL,
                              mean REAL NOT NULL, histogram TEXT NOT NULL, quantile_bins TEXT NOT NULL);
        CREATE TABLE examples(feature INTEGER NOT NULL, kind INTEGER NOT NULL, rank INTEGER NOT NULL, bin INTEGER,
                              context INTEGER NOT NULL, pos INTEGER NOT NULL, value REAL NOT NULL, start INTEGER NOT NULL,
                              tokens BLOB NOT NULL, acts BLOB NOT NULL, PRIMARY KEY(feature, kind, rank)) WITHOUT ROWID;
        """;

    public const string ValueIndexDdl = "CREATE INDEX IF NOT EXISTS acts_by_value ON acts(feature, value DESC, context, pos)";

    /// <summary>Opens (or, when absent, creates with <paramref name="identity"/>) a cache for building. An existing file
    /// must be a cache of this version whose identity keys equal <paramref name="identity"/>'s.</summary>
    public static SqliteConnection OpenForBuild(string path, IReadOnlyDictionary<string, string> identity)
    {
        bool exists = File.Exists(path);
        if (!exists)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"--out '{path}': folder '{dir}' does not exist.");
        }
        var conn = Connect(path, SqliteOpenMode.ReadWriteCreate);
        try
        {
            if (!exists)
            {
                using var tx = conn.BeginTransaction();
                Exec(conn, Ddl);
                SetMeta(conn, "format", Format);
                SetMeta(conn, "version", Version.ToString(CultureInfo.InvariantCulture));
                foreach (var (k, v) in identity) SetMeta(conn, k, v);
                SetMeta(conn, "created_utc", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                tx.Commit();
                BeginBuild(conn);
                return conn;
            }
            CheckFormat(conn, path);
            foreach (var (k, v) in identity)
            {
                var had = GetMeta(conn, k);
                if (had != v)
                    throw new InvalidDataException($"'{path}' is a latent cache built with a different {k} ('{had}', now '{v}'); " +
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

    /// <summary>Opens an existing cache read-only after checking that it is one (format and version).</summary>
    public static SqliteConnection OpenExisting(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"latent cache '{path}' does not exist; build one with `interp cache build`.", path);
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
            throw new InvalidDataException($"'{path}' is a latent cache of version {version}; this build reads version {Version}. Rebuild it with `interp cache build`.");
    }

    public static string? GetMeta(SqliteConnection conn, string key)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    public static long GetMetaLong(SqliteConnection conn, string key, long missing = 0) =>
        GetMeta(conn, key) is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : missing;

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

    public static byte[] IntsToBlob(ReadOnlySpan<int> v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(i * 4), v[i]);
        return b;
    }

    public static int[] BlobToInts(byte[] b)
    {
        var v = new int[b.Length / 4];
        for (int i = 0; i < v.Length; i++) v[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(i * 4));
        return v;
    }

    public static byte[] FloatsToBlob(ReadOnlySpan<float> v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), v[i]);
        return b;
    }

    public static float[] BlobToFloats(byte[] b)
    {
        var v = new float[b.Length / 4];
        for (int i = 0; i < v.Length; i++) v[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(i * 4));
        return v;
    }
}

// The embedded index's file: SQLite in WAL mode. Tables, the meta keys that identify an index, and the checks made when
// one is opened (a SQLite file at all, an Interp index, this schema version, the same embedder) with their fixes.
using System.Globalization;
using Microsoft.Data.Sqlite;
using Interp.Index.Stores;

namespace Interp.Index.Embedded;

internal static class EmbeddedSchema
{
    public const string Format = "interp-feature-index";

    // features: one row per point; the filter fields are columns, the full FeatureRecord is JSON, vectors are float32
    //   blobs of unit length. pk never repeats (AUTOINCREMENT), so deletions can name rows by it.
    // deletions(pk, rev): rows deleted by the write that set revision rev (readers in other processes catch up by it).
    // revision(rev): bumped by every write transaction; rows carry the revision that last wrote them.
    private const string Ddl = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE revision(one INTEGER PRIMARY KEY CHECK (one = 1), rev INTEGER NOT NULL);
        INSERT INTO revision VALUES (1, 0);
        CREATE TABLE features(
            pk INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            sae_id TEXT NOT NULL, sae_name TEXT NOT NULL, model_id TEXT NOT NULL, model_name TEXT NOT NULL,
            hook TEXT NOT NULL, layer INTEGER NOT NULL, feature INTEGER NOT NULL,
            score REAL, score_method TEXT, density REAL, labeled INTEGER NOT NULL, run_id TEXT NOT NULL,
            explanation TEXT NOT NULL, record TEXT NOT NULL,
            explanation_vec BLOB, decoder_vec BLOB,
            rev INTEGER NOT NULL);
        CREATE INDEX ix_features_sae ON features(sae_id, feature);
        CREATE INDEX ix_features_sae_name ON features(sae_name);
        CREATE INDEX ix_features_model ON features(model_id);
        CREATE INDEX ix_features_hook ON features(hook);
        CREATE INDEX ix_features_layer ON features(layer);
        CREATE INDEX ix_features_score ON features(score);
        CREATE INDEX ix_features_density ON features(density);
        CREATE INDEX ix_features_run ON features(run_id);
        CREATE INDEX ix_features_rev ON features(rev);
        CREATE TABLE deletions(pk INTEGER NOT NULL, rev INTEGER NOT NULL);
        CREATE INDEX ix_deletions_rev ON deletions(rev);
        """;

    /// <summary>Creates the tables in an empty database, or checks an existing index; returns its decoder dimension.</summary>
    public static int? CreateOrCheck(SqliteConnection conn, string path, StoreSchema schema)
    {
        using var tx = conn.BeginTransaction();   // BEGIN IMMEDIATE: two processes creating the same file take turns
        var tables = new List<string>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        if (tables.Count == 0)
        {
            Exec(conn, tx, Ddl);
            foreach (var (k, v) in new Dictionary<string, string>
            {
                ["format"] = Format, ["schema_version"] = Str(schema.SchemaVersion), ["record_schema_version"] = Str(schema.RecordSchemaVersion),
                ["embedder_model"] = schema.EmbedderModel, ["embedder_dim"] = Str(schema.EmbedderDim),
            })
                SetMeta(conn, tx, k, v);
            tx.Commit();
            return null;
        }
        var meta = tables.Contains("meta") ? ReadMeta(conn, tx) : new Dictionary<string, string>();
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new FeatureIndexException($"'{path}' is a SQLite database but not an Interp feature index (its tables: {string.Join(", ", tables)}); " +
                "point --index / Index:Embedded:Path at an index, or at a new file to create one.");
        int version = Int(meta, "schema_version"), recordVersion = Int(meta, "record_schema_version");
        if (version != schema.SchemaVersion || recordVersion != schema.RecordSchemaVersion)
            throw new FeatureIndexException($"'{path}' is a feature index of schema version {version} (records v{recordVersion}); this Interp reads " +
                $"version {schema.SchemaVersion} (records v{schema.RecordSchemaVersion}). Rebuild it: move the file away and run `interp index` again " +
                "(the records come from the labeling run).");
        string model = meta.GetValueOrDefault("embedder_model", "?");
        int dim = Int(meta, "embedder_dim");
        if (model != schema.EmbedderModel || dim != schema.EmbedderDim)
            throw new FeatureIndexException($"'{path}' was built with the embedder {model} ({dim}-d) but this Interp embeds with " +
                $"{schema.EmbedderModel} ({schema.EmbedderDim}-d); configure the same embedder, or index into a new file (--index NEW.db).");
        tx.Commit();
        return meta.TryGetValue("decoder_dim", out var dd) ? int.Parse(dd, CultureInfo.InvariantCulture) : null;
    }

    public static Dictionary<string, string> ReadMeta(SqliteConnection conn, SqliteTransaction? tx)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT key, value FROM meta";
        using var r = cmd.ExecuteReader();
        while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
        return meta;
    }

    public static void SetMeta(SqliteConnection conn, SqliteTransaction tx, string key, string value)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO meta(key, value) VALUES (@k, @v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        cmd.Parameters.AddWithValue("@k", key);
        cmd.Parameters.AddWithValue("@v", value);
        cmd.ExecuteNonQuery();
    }

    public static void Exec(SqliteConnection conn, SqliteTransaction? tx, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static int Int(Dictionary<string, string> meta, string key) =>
        meta.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : -1;
}

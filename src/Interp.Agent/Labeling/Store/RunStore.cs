// The run store: one SQLite file per labeling run. meta (format, version, run id, creation time, manifest), stages (one row
// per feature per stage: pending | succeeded with its result JSON | failed with kind, reason and raw output; attempts and
// LLM usage), and records (the FeatureRecord JSON of each feature whose stages are all settled); results and records are
// stored Brotli-compressed (Packed), read back through this class. Every write is one
// transaction (WAL), so a process killed at any instant leaves the last committed state; a write that fails (disk full)
// rolls back and leaves the store readable. Thread-safe: one connection behind a lock.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Interp.Index.Records;
using Microsoft.Data.Sqlite;

namespace Interp.Agent.Labeling.Store;

public static class StageStatus
{
    public const string Pending = "pending", Succeeded = "succeeded", Failed = "failed";
}

/// <param name="Result">the stage's output as JSON (succeeded), or partial output kept with a failure</param>
public sealed record StageRow(int Feature, string Stage, string Status, string? Kind, string? Reason, string? Raw, string? Result,
    int Attempts, StageUsage Usage, DateTimeOffset? Updated)
{
    public bool Succeeded => Status == StageStatus.Succeeded;
    /// <summary>Whether a run should (re)do this stage: pending, or failed with a transient kind.</summary>
    public bool NeedsWork => Status == StageStatus.Pending || (Status == StageStatus.Failed && FailureKinds.IsRetryable(Kind ?? ""));
}

/// <summary>A write to the run store failed (disk full, I/O error, read-only file): nothing of that write was kept.</summary>
public sealed class RunStoreWriteException(string message, Exception inner) : IOException(message, inner);

public sealed partial class RunStore : IDisposable
{
    public const string Format = "interp-label-run";
    public const int SchemaVersion = 1;
    private readonly SqliteConnection _conn;
    private readonly Lock _gate = new();

    public string Path { get; }
    public RunManifest Manifest { get; }
    public string RunId { get; }
    public DateTimeOffset CreatedAt { get; }

    private RunStore(SqliteConnection conn, string path)
    {
        _conn = conn;
        Path = System.IO.Path.GetFullPath(path);
        var meta = ReadMeta();
        if (meta.GetValueOrDefault("format") != Format)
            throw new InvalidDataException($"'{path}' is not an Interp labeling run store (format '{meta.GetValueOrDefault("format") ?? "absent"}'); give another --out or --run.");
        if (meta.GetValueOrDefault("schema_version") != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"the run store '{path}' has schema version {meta.GetValueOrDefault("schema_version")}, this Interp reads {SchemaVersion}; re-run the labeling into a new --out.");
        Manifest = RunManifest.FromJson(meta["manifest"]);
        RunId = meta["run_id"];
        CreatedAt = DateTimeOffset.Parse(meta["created_utc"], CultureInfo.InvariantCulture);
    }

    /// <summary>Opens the store at <paramref name="path"/> to resume it (its manifest must match, else ArgumentException
    /// naming the first difference), or creates it with a pending row for every feature and stage.</summary>
    public static RunStore OpenOrCreate(string path, RunManifest manifest, int? maxPageCount = null)
    {
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        var conn = Connect(path, readOnly: false, maxPageCount);
        try
        {
            if (!exists || !HasMeta(conn)) Create(conn, manifest, path);
            var store = new RunStore(conn, path);
            if (store.Manifest.FirstDifference(manifest) is { } diff)
                throw new ArgumentException($"the run store '{path}' was made with other settings: {diff}; re-run with the same arguments to resume it, or give a new --out.");
            return store;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing store read-only (show, report, the index). FileNotFoundException when absent.</summary>
    public static RunStore OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no run store at '{path}'; make one with `interp label ... --out {path}`.", path);
        var conn = Connect(path, readOnly: true, null);
        try { return new RunStore(conn, path); }
        catch (SqliteException e)
        {
            conn.Dispose();
            throw new InvalidDataException($"'{path}' is not a readable run store: SQLite says \"{e.Message.TrimEnd('.')}\".", e);
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    private static SqliteConnection Connect(string path, bool readOnly, int? maxPageCount)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!readOnly && dir is not null) Directory.CreateDirectory(dir);
        var conn = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate, Pooling = false,
        }.ToString());
        conn.Open();
        Exec(conn, "PRAGMA busy_timeout = 5000");
        if (!readOnly)
        {
            Exec(conn, "PRAGMA journal_mode = WAL");
            Exec(conn, "PRAGMA synchronous = NORMAL");
            if (maxPageCount is int m) Exec(conn, $"PRAGMA max_page_count = {m}");   // tests: make SQLite report a full disk
        }
        return conn;
    }

    private static bool HasMeta(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'";
        return (long)cmd.ExecuteScalar()! == 1;
    }

    private static void Create(SqliteConnection conn, RunManifest manifest, string path)
    {
        var manifestJson = manifest.ToJson();
        var id = "run-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifestJson)))[..12];
        Guarded(path, () =>
        {
            using var tx = conn.BeginTransaction();
            Exec(conn, """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE stages(feature INTEGER NOT NULL, stage TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                    kind TEXT, reason TEXT, raw TEXT, result BLOB, attempts INTEGER NOT NULL DEFAULT 0,
                    calls INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
                    cost_usd REAL NOT NULL DEFAULT 0, updated TEXT, PRIMARY KEY (feature, stage)) WITHOUT ROWID;
                CREATE TABLE records(feature INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL, json BLOB NOT NULL);
                """);
            foreach (var (k, v) in new[] { ("format", Format), ("schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture)),
                         ("run_id", id), ("created_utc", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)), ("manifest", manifestJson) })
                Exec(conn, "INSERT INTO meta(key, value) VALUES ($k, $v)", ("$k", k), ("$v", v));
            using var ins = conn.CreateCommand();
            ins.CommandText = "INSERT INTO stages(feature, stage, status) VALUES ($f, $s, 'pending')";
            var pf = ins.Parameters.Add("$f", SqliteType.Integer);
            var ps = ins.Parameters.Add("$s", SqliteType.Text);
            foreach (var f in manifest.Features)
                foreach (var s in manifest.Stages()) { pf.Value = f; ps.Value = s; ins.ExecuteNonQuery(); }
            tx.Commit();
            return 0;
        });
    }

    /// <summary>Every stage row, grouped by feature.</summary>
    public Dictionary<int, Dictionary<string, StageRow>> AllStages()
    {
        lock (_gate)
            return Guarded(Path, () => ReadRows("SELECT * FROM stages ORDER BY feature, stage", null)
                .GroupBy(r => r.Feature).ToDictionary(g => g.Key, g => g.ToDictionary(r => r.Stage, StringComparer.Ordinal)));
    }

    public Dictionary<string, StageRow> Stages(int feature)
    {
        lock (_gate)
            return Guarded(Path, () => ReadRows("SELECT * FROM stages WHERE feature = $f", feature).ToDictionary(r => r.Stage, StringComparer.Ordinal));
    }

    /// <summary>Writes stage rows (attempts counted up for rows that ran) and optionally the feature's record, in one
    /// transaction. RunStoreWriteException when SQLite cannot write (nothing of the call is kept).</summary>
    public void Write(IReadOnlyList<StageRow> rows, FeatureRecord? record = null)
    {
        lock (_gate)
            Guarded(Path, () =>
            {
                using var tx = _conn.BeginTransaction();
                foreach (var r in rows)
                    Exec(_conn, """
                        INSERT INTO stages(feature, stage, status, kind, reason, raw, result, attempts, calls, prompt_tokens, completion_tokens, cost_usd, updated)
                        VALUES ($f, $s, $st, $k, $r, $raw, $res, $a, $c, $pt, $ct, $cost, $u)
                        ON CONFLICT(feature, stage) DO UPDATE SET status = excluded.status, kind = excluded.kind, reason = excluded.reason,
                            raw = excluded.raw, result = excluded.result, attempts = excluded.attempts, calls = calls + excluded.calls,
                            prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
                            cost_usd = cost_usd + excluded.cost_usd, updated = excluded.updated
                        """,
                        ("$f", r.Feature), ("$s", r.Stage), ("$st", r.Status), ("$k", r.Kind), ("$r", r.Reason), ("$raw", r.Raw), ("$res", r.Result is null ? null : Packed.Pack(r.Result)),
                        ("$a", r.Attempts), ("$c", r.Usage.Calls), ("$pt", r.Usage.PromptTokens), ("$ct", r.Usage.CompletionTokens),
                        ("$cost", r.Usage.CostUsd), ("$u", r.Updated?.ToString("O", CultureInfo.InvariantCulture)));
                if (record is not null)
                    Exec(_conn, "INSERT INTO records(feature, schema_version, json) VALUES ($f, $v, $j) ON CONFLICT(feature) DO UPDATE SET schema_version = excluded.schema_version, json = excluded.json",
                        ("$f", record.Feature), ("$v", record.SchemaVersion), ("$j", Packed.Pack(FeatureRecordJson.Serialize(record))));
                tx.Commit();
                return 0;
            });
    }

    /// <summary>A re-score's start: writes <paramref name="rows"/> (copied from the source run) where this store's row is
    /// still pending (one transaction), then notes the source in meta (derived_from, derived_from_path). Rows that already
    /// moved on (a resumed re-score) are left alone, so seeding again after a crash changes nothing.</summary>
    public void Seed(IReadOnlyList<StageRow> rows, string sourceRunId, string sourcePath)
    {
        var current = AllStages();
        var todo = rows.Where(r => current.TryGetValue(r.Feature, out var fr) && fr.TryGetValue(r.Stage, out var c) && c.Status == StageStatus.Pending).ToList();
        Write(todo);
        lock (_gate)
            Guarded(Path, () =>
            {
                Exec(_conn, "INSERT INTO meta(key, value) VALUES ('derived_from', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$v", sourceRunId));
                Exec(_conn, "INSERT INTO meta(key, value) VALUES ('derived_from_path', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$v", sourcePath));
                return 0;
            });
    }

    /// <summary>The run this one re-scores (its run id), or null for a run that explained its own features.</summary>
    public string? DerivedFrom { get { lock (_gate) return ReadMeta().GetValueOrDefault("derived_from"); } }

    /// <summary>The record of <paramref name="feature"/>, or null when its stages have not settled yet.</summary>
    public FeatureRecord? ReadRecord(int feature)
    {
        lock (_gate)
            return Guarded(Path, () =>
            {
                using var cmd = _conn.CreateCommand();
                cmd.CommandText = "SELECT json FROM records WHERE feature = $f";
                cmd.Parameters.AddWithValue("$f", feature);
                return cmd.ExecuteScalar() is byte[] json ? FeatureRecordJson.Deserialize(Packed.Unpack(json)) : null;
            });
    }

    /// <summary>Every settled feature's record, by feature index: what `interp index --run` reads.</summary>
    public IReadOnlyList<FeatureRecord> ReadRecords()
    {
        lock (_gate)
            return Guarded(Path, () =>
            {
                var list = new List<FeatureRecord>();
                using var cmd = _conn.CreateCommand();
                cmd.CommandText = "SELECT json FROM records ORDER BY feature";
                using var r = cmd.ExecuteReader();
                while (r.Read()) list.Add(FeatureRecordJson.Deserialize(Packed.Unpack((byte[])r[0])));
                return list;
            });
    }
}

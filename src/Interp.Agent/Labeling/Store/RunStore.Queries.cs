// RunStore's reading helpers and summaries: meta, stage rows, per-stage status counts and total usage, and the guard that
// turns SQLite write failures (disk full, I/O, read-only) into RunStoreWriteException and read failures into a clear
// InvalidDataException.
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Interp.Agent.Labeling.Store;

/// <param name="ByStage">stage → status → rows</param>
public sealed record RunSummary(int Features, int Records, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> ByStage,
    StageUsage Usage, IReadOnlyDictionary<string, int> FailureKinds);

public sealed partial class RunStore
{
    public RunSummary Summary()
    {
        lock (_gate)
            return Guarded(Path, () =>
            {
                var by = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
                var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
                using (var cmd = _conn.CreateCommand())
                {
                    cmd.CommandText = "SELECT stage, status, kind, COUNT(*) FROM stages GROUP BY stage, status, kind";
                    using var r = cmd.ExecuteReader();
                    while (r.Read())
                    {
                        var d = by.TryGetValue(r.GetString(0), out var x) ? x : by[r.GetString(0)] = new(StringComparer.Ordinal);
                        d[r.GetString(1)] = d.GetValueOrDefault(r.GetString(1)) + r.GetInt32(3);
                        if (!r.IsDBNull(2)) kinds[r.GetString(2)] = kinds.GetValueOrDefault(r.GetString(2)) + r.GetInt32(3);
                    }
                }
                StageUsage usage;
                using (var cmd = _conn.CreateCommand())
                {
                    cmd.CommandText = "SELECT COALESCE(SUM(calls),0), COALESCE(SUM(prompt_tokens),0), COALESCE(SUM(completion_tokens),0), COALESCE(SUM(cost_usd),0) FROM stages";
                    using var r = cmd.ExecuteReader();
                    r.Read();
                    usage = new StageUsage((int)r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetDouble(3));
                }
                long records = Scalar("SELECT COUNT(*) FROM records");
                return new RunSummary(Manifest.Features.Count, (int)records,
                    by.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, int>)kv.Value, StringComparer.Ordinal), usage, kinds);
            });
    }

    /// <summary>Features whose record is written.</summary>
    public HashSet<int> RecordFeatures()
    {
        lock (_gate)
            return Guarded(Path, () =>
            {
                var set = new HashSet<int>();
                using var cmd = _conn.CreateCommand();
                cmd.CommandText = "SELECT feature FROM records";
                using var r = cmd.ExecuteReader();
                while (r.Read()) set.Add(r.GetInt32(0));
                return set;
            });
    }

    private long Scalar(string sql)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private Dictionary<string, string> ReadMeta()
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        Guarded(Path, () =>
        {
            if (!HasMeta(_conn)) return 0;
            using var cmd = _conn.CreateCommand();
            cmd.CommandText = "SELECT key, value FROM meta";
            using var r = cmd.ExecuteReader();
            while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
            return 0;
        });
        return meta;
    }

    private List<StageRow> ReadRows(string sql, int? feature)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        if (feature is int f) cmd.Parameters.AddWithValue("$f", f);
        using var r = cmd.ExecuteReader();
        var rows = new List<StageRow>();
        string? S(string c) => r.IsDBNull(r.GetOrdinal(c)) ? null : r.GetString(r.GetOrdinal(c));
        while (r.Read())
            rows.Add(new StageRow(r.GetInt32(r.GetOrdinal("feature")), S("stage")!, S("status")!, S("kind"), S("reason"), S("raw"), r.IsDBNull(r.GetOrdinal("result")) ? null : Packed.Unpack((byte[])r["result"]),
                r.GetInt32(r.GetOrdinal("attempts")),
                new StageUsage(r.GetInt32(r.GetOrdinal("calls")), r.GetInt64(r.GetOrdinal("prompt_tokens")), r.GetInt64(r.GetOrdinal("completion_tokens")),
                    r.GetDouble(r.GetOrdinal("cost_usd"))),
                S("updated") is { } u ? DateTimeOffset.Parse(u, CultureInfo.InvariantCulture) : null));
        return rows;
    }

    private static void Exec(SqliteConnection conn, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    private static T Guarded<T>(string path, Func<T> body)
    {
        try { return body(); }
        catch (SqliteException e) when (e.SqliteErrorCode is 13 or 10 or 8 or 14)   // FULL, IOERR, READONLY, CANTOPEN
        {
            var what = e.SqliteErrorCode switch { 13 => "the disk is full", 8 => "the file is read-only", 14 => "the file cannot be opened", _ => "an I/O error" };
            throw new RunStoreWriteException($"writing the run store '{path}' failed: {what} (SQLite: \"{e.Message.TrimEnd('.')}\"); " +
                "everything committed before is kept and readable; free space (or fix the file) and re-run the same command to resume.", e);
        }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"the run store '{path}' cannot be used: SQLite says \"{e.Message.TrimEnd('.')}\" (a damaged file?); give a new --out.", e);
        }
    }

    public void Dispose() => _conn.Dispose();
}

/// <summary>UTF-8 text compressed with Brotli (fast setting): stage results and records are mostly repeated JSON keys,
/// token strings and numbers, and shrink several times.</summary>
internal static class Packed
{
    public static byte[] Pack(string text)
    {
        using var ms = new MemoryStream();
        using (var b = new System.IO.Compression.BrotliStream(ms, System.IO.Compression.CompressionLevel.Fastest))
            b.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    public static string Unpack(byte[] packed)
    {
        try
        {
            using var b = new System.IO.Compression.BrotliStream(new MemoryStream(packed), System.IO.Compression.CompressionMode.Decompress);
            using var r = new StreamReader(b, System.Text.Encoding.UTF8);
            return r.ReadToEnd();
        }
        catch (InvalidDataException e) { throw new InvalidDataException($"a run store value is damaged ({e.Message}); give a new --out.", e); }
    }
}

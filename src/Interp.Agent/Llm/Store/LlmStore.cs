// The agent layer's SQLite file: the response cache (committed before a response is used), the usage ledger (one row
// per call) and the capability probes. One connection, serialised by a lock; WAL with synchronous=NORMAL, so a
// committed row survives a killed process. It stores; it does not decide what to cache or bill.
using Microsoft.Data.Sqlite;

namespace Interp.Agent.Llm.Store;

public sealed record LlmCallRecord(
    DateTimeOffset At, string RunId, string? FeatureKey, string Role, string Endpoint, string Model,
    long PromptTokens, long CompletionTokens, double? Cost, bool Cached, string Outcome, int? Status,
    int Attempts, double ElapsedMs, bool Estimated);

public sealed class LlmStore : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly object _gate = new();

    private LlmStore(SqliteConnection conn) { _conn = conn; }

    public string Path { get; private init; } = "";

    /// <summary>Opens (creating when missing) the store at <paramref name="path"/>; ":memory:" keeps it in memory.</summary>
    public static LlmStore Open(string path)
    {
        if (path != ":memory:" && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            conn.Open();
            Exec(conn, """
                PRAGMA busy_timeout = 10000;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                CREATE TABLE IF NOT EXISTS responses (
                    key TEXT PRIMARY KEY, kind TEXT NOT NULL, role TEXT NOT NULL, endpoint TEXT NOT NULL, model TEXT NOT NULL,
                    body TEXT NOT NULL, created_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS calls (
                    id INTEGER PRIMARY KEY, at TEXT NOT NULL, run_id TEXT NOT NULL, feature TEXT, role TEXT NOT NULL,
                    endpoint TEXT NOT NULL, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
                    cost REAL, cached INTEGER NOT NULL, outcome TEXT NOT NULL, status INTEGER, attempts INTEGER NOT NULL,
                    elapsed_ms REAL NOT NULL, estimated INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS calls_run ON calls(run_id);
                CREATE TABLE IF NOT EXISTS probes (
                    endpoint TEXT NOT NULL, model TEXT NOT NULL, json TEXT NOT NULL, probed_at TEXT NOT NULL, PRIMARY KEY (endpoint, model));
                """);
        }
        catch (SqliteException e)
        {
            conn.Dispose();
            throw new InvalidDataException($"LLM store '{path}' cannot be opened ({e.Message}); check the path (Llm.store_path) or delete a damaged file");
        }
        return new LlmStore(conn) { Path = path };
    }

    // ---- response cache ------------------------------------------------------------------------------------------

    public bool TryGetResponse(string key, out string body)
    {
        lock (_gate)
        {
            using var cmd = Cmd("SELECT body FROM responses WHERE key = $k", ("$k", key));
            body = cmd.ExecuteScalar() as string ?? "";
            return body.Length > 0;
        }
    }

    /// <summary>A stored response as its UTF-8 bytes (the TEXT column as SQLite holds it: no string is decoded); false when absent or empty.</summary>
    public bool TryGetResponseUtf8(string key, out byte[] body)
    {
        lock (_gate)
        {
            using var cmd = Cmd("SELECT body FROM responses WHERE key = $k", ("$k", key));
            using var r = cmd.ExecuteReader();
            body = r.Read() && !r.IsDBNull(0) ? r.GetFieldValue<byte[]>(0) : [];
            return body.Length > 0;
        }
    }

    /// <summary>Stores a response given as UTF-8 bytes, as TEXT (the same row <see cref="PutResponse(string, string, string, string, string, string)"/>
    /// writes: CAST reinterprets the bytes in the database's UTF-8 encoding); returns after the transaction committed.</summary>
    public void PutResponse(string key, string kind, string role, string endpoint, string model, ReadOnlyMemory<byte> utf8)
    {
        lock (_gate)
        {
            using var cmd = Cmd("INSERT OR REPLACE INTO responses(key, kind, role, endpoint, model, body, created_at) VALUES ($k, $kind, $r, $e, $m, CAST($b AS TEXT), $t)",
                ("$k", key), ("$kind", kind), ("$r", role), ("$e", endpoint), ("$m", model), ("$b", WholeArray(utf8)), ("$t", DateTimeOffset.UtcNow.ToString("O")));
            cmd.ExecuteNonQuery();
        }
    }

    private static byte[] WholeArray(ReadOnlyMemory<byte> m) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(m, out var seg) && seg.Offset == 0 && seg.Count == seg.Array!.Length ? seg.Array : m.ToArray();

    /// <summary>Stores a response; returns after the transaction committed.</summary>
    public void PutResponse(string key, string kind, string role, string endpoint, string model, string body)
    {
        lock (_gate)
        {
            using var cmd = Cmd("INSERT OR REPLACE INTO responses(key, kind, role, endpoint, model, body, created_at) VALUES ($k, $kind, $r, $e, $m, $b, $t)",
                ("$k", key), ("$kind", kind), ("$r", role), ("$e", endpoint), ("$m", model), ("$b", body), ("$t", DateTimeOffset.UtcNow.ToString("O")));
            cmd.ExecuteNonQuery();
        }
    }

    public void RemoveResponse(string key)
    {
        lock (_gate) { using var cmd = Cmd("DELETE FROM responses WHERE key = $k", ("$k", key)); cmd.ExecuteNonQuery(); }
    }

    public long CountResponses()
    {
        lock (_gate) { using var cmd = Cmd("SELECT COUNT(*) FROM responses"); return (long)cmd.ExecuteScalar()!; }
    }

    /// <summary>Every stored response body (for inspection: which answers a process had committed before it died).</summary>
    public List<string> ResponseBodies()
    {
        lock (_gate)
        {
            using var cmd = Cmd("SELECT body FROM responses");
            using var r = cmd.ExecuteReader();
            var bodies = new List<string>();
            while (r.Read()) bodies.Add(r.GetString(0));
            return bodies;
        }
    }

    // ---- usage ledger --------------------------------------------------------------------------------------------

    public void AddCall(LlmCallRecord r)
    {
        lock (_gate)
        {
            using var cmd = Cmd("""
                INSERT INTO calls(at, run_id, feature, role, endpoint, model, prompt_tokens, completion_tokens, cost, cached, outcome, status, attempts, elapsed_ms, estimated)
                VALUES ($at, $run, $f, $role, $e, $m, $p, $c, $cost, $cached, $o, $s, $a, $ms, $est)
                """,
                ("$at", r.At.ToString("O")), ("$run", r.RunId), ("$f", r.FeatureKey), ("$role", r.Role), ("$e", r.Endpoint), ("$m", r.Model),
                ("$p", r.PromptTokens), ("$c", r.CompletionTokens), ("$cost", r.Cost), ("$cached", r.Cached ? 1 : 0), ("$o", r.Outcome),
                ("$s", r.Status), ("$a", r.Attempts), ("$ms", r.ElapsedMs), ("$est", r.Estimated ? 1 : 0));
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>All call rows of a run (for summaries); a labeling run holds thousands, not millions.</summary>
    public List<LlmCallRecord> Calls(string runId)
    {
        lock (_gate)
        {
            using var cmd = Cmd("SELECT at, run_id, feature, role, endpoint, model, prompt_tokens, completion_tokens, cost, cached, outcome, status, attempts, elapsed_ms, estimated FROM calls WHERE run_id = $run ORDER BY id", ("$run", runId));
            using var r = cmd.ExecuteReader();
            var list = new List<LlmCallRecord>();
            while (r.Read())
                list.Add(new LlmCallRecord(DateTimeOffset.Parse(r.GetString(0)), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3),
                    r.GetString(4), r.GetString(5), r.GetInt64(6), r.GetInt64(7), r.IsDBNull(8) ? null : r.GetDouble(8), r.GetInt64(9) != 0,
                    r.GetString(10), r.IsDBNull(11) ? null : r.GetInt32(11), r.GetInt32(12), r.GetDouble(13), r.GetInt64(14) != 0));
            return list;
        }
    }

    // ---- capability probes ---------------------------------------------------------------------------------------

    public (string Json, DateTimeOffset ProbedAt)? GetProbe(string endpoint, string model)
    {
        lock (_gate)
        {
            using var cmd = Cmd("SELECT json, probed_at FROM probes WHERE endpoint = $e AND model = $m", ("$e", endpoint), ("$m", model));
            using var r = cmd.ExecuteReader();
            return r.Read() ? (r.GetString(0), DateTimeOffset.Parse(r.GetString(1))) : null;
        }
    }

    public void PutProbe(string endpoint, string model, string json, DateTimeOffset probedAt)
    {
        lock (_gate)
        {
            using var cmd = Cmd("INSERT OR REPLACE INTO probes(endpoint, model, json, probed_at) VALUES ($e, $m, $j, $t)",
                ("$e", endpoint), ("$m", model), ("$j", json), ("$t", probedAt.ToString("O")));
            cmd.ExecuteNonQuery();
        }
    }

    private SqliteCommand Cmd(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return cmd;
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_gate) _conn.Dispose();
    }
}

// A small SQLite store of hypothesis records: one row per hypothesis with the columns a list or a filter needs
// (model, task, universe, verdict, faithfulness, completeness, size, claim) and the full record as JSON. Writes are
// single transactions; a record that exists is never overwritten. Not the labeling-run store.
using Microsoft.Data.Sqlite;

namespace Interp.Circuits;

/// <summary>One row of a listing.</summary>
public sealed record HypothesisSummary(string Id, DateTimeOffset Created, string Model, string Task, string Universe, Verdict Verdict,
    double? Faithfulness, double? Completeness, int Size, string Claim);

public sealed class HypothesisStore : IDisposable
{
    private readonly SqliteConnection _conn;
    public string Path { get; }

    public HypothesisStore(string path)
    {
        Path = path;
        if (Directory.Exists(path)) throw new ArgumentException($"hypothesis store '{path}' is a folder; give a file path such as hypotheses.db.");
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"the folder of hypothesis store '{path}' does not exist; create it first.");
        _conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        try
        {
            _conn.Open();
            Exec("PRAGMA journal_mode = WAL;");
            Exec("PRAGMA busy_timeout = 5000;");
            Exec(@"CREATE TABLE IF NOT EXISTS hypotheses (
                id TEXT PRIMARY KEY, created TEXT NOT NULL, model TEXT NOT NULL, task TEXT NOT NULL, universe TEXT NOT NULL,
                verdict TEXT NOT NULL, faithfulness REAL, completeness REAL, size INTEGER NOT NULL, claim TEXT NOT NULL,
                schema_version INTEGER NOT NULL, json TEXT NOT NULL);");
            Exec("CREATE INDEX IF NOT EXISTS hypotheses_model ON hypotheses(model, task);");
        }
        catch (SqliteException e)
        {
            _conn.Dispose();
            throw new InvalidDataException($"'{path}' cannot be opened as a hypothesis store ({e.Message}); is it another kind of file? Give a new file path.", e);
        }
    }

    /// <summary>Adds <paramref name="h"/>; an existing id is an error (records are immutable).</summary>
    public void Save(Hypothesis h)
    {
        using var tx = _conn.BeginTransaction();
        using var cmd = _conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = @"INSERT INTO hypotheses (id, created, model, task, universe, verdict, faithfulness, completeness, size, claim, schema_version, json)
            VALUES ($id, $created, $model, $task, $universe, $verdict, $f, $k, $size, $claim, $schema, $json);";
        cmd.Parameters.AddWithValue("$id", h.Id);
        cmd.Parameters.AddWithValue("$created", h.Provenance.Created.ToString("O"));
        cmd.Parameters.AddWithValue("$model", h.Provenance.Model);
        cmd.Parameters.AddWithValue("$task", h.Prompts.Name);
        cmd.Parameters.AddWithValue("$universe", h.Circuit.Universe);
        cmd.Parameters.AddWithValue("$verdict", VerdictName(h.Verdict.Verdict));
        cmd.Parameters.AddWithValue("$f", (object?)h.Verdict.Faithfulness ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$k", (object?)h.Verdict.Completeness ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$size", h.Circuit.Size);
        cmd.Parameters.AddWithValue("$claim", h.Claim);
        cmd.Parameters.AddWithValue("$schema", h.SchemaVersion);
        cmd.Parameters.AddWithValue("$json", CircuitJson.Serialize(h, indented: false));
        try { cmd.ExecuteNonQuery(); }
        catch (SqliteException e) when (e.SqliteErrorCode == 19) // constraint: the id exists
        {
            throw new ArgumentException($"hypothesis '{h.Id}' is already in '{Path}'; records are immutable, so save a new one under a new id.");
        }
        tx.Commit();
    }

    public Hypothesis? Get(string id)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = "SELECT json FROM hypotheses WHERE id = $id;";
        cmd.Parameters.AddWithValue("$id", id);
        return cmd.ExecuteScalar() is string json ? CircuitJson.Deserialize<Hypothesis>(json, $"hypothesis '{id}' in '{Path}'") : null;
    }

    /// <summary>Newest first, optionally filtered by model, task and verdict.</summary>
    public IReadOnlyList<HypothesisSummary> List(string? model = null, string? task = null, Verdict? verdict = null, int limit = 100)
    {
        if (limit < 1 || limit > 10_000) throw new ArgumentException($"limit must be in 1..10000 (got {limit}).");
        using var cmd = _conn.CreateCommand();
        var where = new List<string>();
        if (model is not null) { where.Add("model = $model"); cmd.Parameters.AddWithValue("$model", model); }
        if (task is not null) { where.Add("task = $task"); cmd.Parameters.AddWithValue("$task", task); }
        if (verdict is { } v) { where.Add("verdict = $verdict"); cmd.Parameters.AddWithValue("$verdict", VerdictName(v)); }
        cmd.CommandText = "SELECT id, created, model, task, universe, verdict, faithfulness, completeness, size, claim FROM hypotheses"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY created DESC, id LIMIT $limit;";
        cmd.Parameters.AddWithValue("$limit", limit);
        var rows = new List<HypothesisSummary>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
            rows.Add(new HypothesisSummary(r.GetString(0), DateTimeOffset.Parse(r.GetString(1), System.Globalization.CultureInfo.InvariantCulture), r.GetString(2), r.GetString(3),
                r.GetString(4), ParseVerdict(r.GetString(5)), r.IsDBNull(6) ? null : r.GetDouble(6), r.IsDBNull(7) ? null : r.GetDouble(7), r.GetInt32(8), r.GetString(9)));
        return rows;
    }

    public int Count()
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM hypotheses;";
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string VerdictName(Verdict v) => v switch { Verdict.Supported => "supported", Verdict.Refuted => "refuted", _ => "inconclusive" };
    private static Verdict ParseVerdict(string s) => s switch { "supported" => Verdict.Supported, "refuted" => Verdict.Refuted, _ => Verdict.Inconclusive };

    private void Exec(string sql)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _conn.Dispose();
}

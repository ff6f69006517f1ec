// Eval runs and their metrics, in the same database as the job queue (SQLite, or PostgreSQL when several servers share
// the work), keyed by the job that ran them: a job started again after a crash updates its one run, never adds a second.
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Interp.Serve.Jobs;

namespace Interp.Serve.Evals;

public sealed class EvalStore
{
    private readonly SqlDialect _db;

    public EvalStore(SqlDialect db)
    {
        _db = db;
        using var c = _db.Open();
        using var tx = c.BeginTransaction();
        if (_db.SchemaLock is { } l) Exec(c, tx, l);
        Exec(c, tx, """
            CREATE TABLE IF NOT EXISTS interp_eval_runs (job_id BIGINT PRIMARY KEY, suite TEXT NOT NULL, started_ms BIGINT NOT NULL,
              finished_ms BIGINT, state TEXT NOT NULL, config TEXT NOT NULL, versions TEXT NOT NULL, error TEXT)
            """);
        Exec(c, tx, "CREATE TABLE IF NOT EXISTS interp_eval_metrics (job_id BIGINT NOT NULL, name TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, " +
                    "ci_low DOUBLE PRECISION NOT NULL, ci_high DOUBLE PRECISION NOT NULL, se DOUBLE PRECISION NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (job_id, name))");
        tx.Commit();
    }

    public void Begin(long jobId, string suite, string config, IReadOnlyDictionary<string, string> versions)
    {
        using var c = _db.Open();
        Exec(c, null, "INSERT INTO interp_eval_runs (job_id, suite, started_ms, state, config, versions) VALUES (@j, @s, @now, 'running', @c, @v) " +
                      "ON CONFLICT (job_id) DO UPDATE SET state = 'running', config = @c, versions = @v, error = NULL",
            ("j", jobId), ("s", suite), ("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("c", config), ("v", JsonSerializer.Serialize(versions)));
    }

    public void Finish(long jobId, IReadOnlyList<EvalMetric> metrics, string state, string? error)
    {
        using var c = _db.Open();
        using var tx = c.BeginTransaction();
        Exec(c, tx, "DELETE FROM interp_eval_metrics WHERE job_id = @j", ("j", jobId));
        foreach (var m in metrics)
            Exec(c, tx, "INSERT INTO interp_eval_metrics (job_id, name, value, ci_low, ci_high, se, n) VALUES (@j, @n, @v, @lo, @hi, @se, @k)",
                ("j", jobId), ("n", m.Name), ("v", m.Value), ("lo", m.CiLow), ("hi", m.CiHigh), ("se", m.Se), ("k", m.N));
        Exec(c, tx, "UPDATE interp_eval_runs SET finished_ms = @now, state = @s, error = @e WHERE job_id = @j",
            ("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("s", state), ("e", error), ("j", jobId));
        tx.Commit();
    }

    /// <summary>The suite's runs, oldest first (at most <paramref name="limit"/>, the latest ones).</summary>
    public IReadOnlyList<EvalRun> History(string suite, int limit = 200)
    {
        using var c = _db.Open();
        var runs = new List<EvalRun>();
        using (var cmd = Command(c, "SELECT job_id, suite, started_ms, finished_ms, state, config, versions, error FROM interp_eval_runs WHERE suite = @s ORDER BY job_id DESC LIMIT @n",
                   ("s", suite), ("n", limit)))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                runs.Add(new EvalRun(r.GetInt64(0), r.GetString(1), r.GetInt64(0), Ms(r.GetInt64(2)), r.IsDBNull(3) ? null : Ms(r.GetInt64(3)), r.GetString(4),
                    r.GetString(5), JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(6))!, [], r.IsDBNull(7) ? null : r.GetString(7)));
        runs.Reverse();
        return runs.Select(run => run with { Metrics = Metrics(c, run.JobId) }).ToList();
    }

    private static List<EvalMetric> Metrics(DbConnection c, long jobId)
    {
        using var cmd = Command(c, "SELECT name, value, ci_low, ci_high, se, n FROM interp_eval_metrics WHERE job_id = @j ORDER BY name", ("j", jobId));
        using var r = cmd.ExecuteReader();
        var list = new List<EvalMetric>();
        while (r.Read()) list.Add(new EvalMetric(r.GetString(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetInt32(5)));
        return list;
    }

    private static DateTimeOffset Ms(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DbCommand Command(DbConnection c, string sql, params (string Name, object? Value)[] args) =>
        DbCommands.Command(c, null, sql, args);

    private static void Exec(DbConnection c, DbTransaction? tx, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, sql, args);
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    internal static string Inv(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}

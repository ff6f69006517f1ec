// The persistent job queue over SQLite or PostgreSQL (SqlDialect): submit, claim with a lease, renew, progress, logs,
// steps done (the no-duplicate-work ledger), finish, cancel, retry. Every write a worker makes about a running job is
// fenced by its owner id and state, so a worker that lost its lease (taken over after a stall) changes nothing.
using System.Data.Common;
using System.Globalization;

namespace Interp.Serve.Jobs;

public sealed class JobStore
{
    private readonly SqlDialect _db;
    private readonly TimeProvider _time;

    public JobStore(SqlDialect db, TimeProvider? time = null)
    {
        _db = db;
        _time = time ?? TimeProvider.System;
        using var c = _db.Open();
        using var tx = c.BeginTransaction();
        if (_db.SchemaLock is { } l) Exec(c, tx, l);
        foreach (var sql in _db.Schema()) Exec(c, tx, sql);
        tx.Commit();
    }

    public string Backend => _db.Name;
    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public long Submit(string kind, string args, string? submittedBy)
    {
        using var c = _db.Open();
        return Convert.ToInt64(Scalar(c, null, "INSERT INTO interp_jobs (kind, args, state, created_ms, submitted_by) VALUES (@k, @a, 'queued', @now, @by) RETURNING id",
            ("k", kind), ("a", args), ("now", Now), ("by", submittedBy)), CultureInfo.InvariantCulture);
    }

    /// <summary>The next job for <paramref name="owner"/>, or null. Also settles cancelled jobs nobody holds.</summary>
    public JobLease? Claim(string owner, TimeSpan lease)
    {
        using var c = _db.Open();
        long now = Now;
        Exec(c, null, "UPDATE interp_jobs SET state = 'cancelled', finished_ms = @now, owner = NULL WHERE cancel_requested = 1 AND (state = 'queued' OR (state = 'running' AND lease_until_ms < @now))", ("now", now));
        using var tx = c.BeginTransaction();
        using var cmd = Command(c, tx, _db.ClaimSql, ("owner", owner), ("until", now + (long)lease.TotalMilliseconds), ("now", now));
        JobLease? got = null;
        using (var r = cmd.ExecuteReader())
            if (r.Read()) got = new JobLease(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), owner, r.GetInt32(4));
        if (got is not null)
        {
            Exec(c, tx, "UPDATE interp_job_runs SET outcome = 'lost (worker stopped answering)' WHERE job_id = @j AND ended_ms IS NULL AND outcome IS NULL", ("j", got.Id));
            Exec(c, tx, "INSERT INTO interp_job_runs (job_id, attempt, owner, started_ms) VALUES (@j, @a, @o, @now)", ("j", got.Id), ("a", got.Attempts), ("o", owner), ("now", now));
        }
        tx.Commit();
        return got;
    }

    /// <summary>Claims job <paramref name="id"/> itself when it is queued or its lease lapsed; null otherwise.</summary>
    public JobLease? ClaimById(long id, string owner, TimeSpan lease)
    {
        using var c = _db.Open();
        long now = Now;
        using var tx = c.BeginTransaction();
        using var cmd = Command(c, tx, "UPDATE interp_jobs SET state = 'running', owner = @owner, lease_until_ms = @until, attempts = attempts + 1, " +
                                       "started_ms = COALESCE(started_ms, @now), message = NULL WHERE id = @id AND cancel_requested = 0 AND " +
                                       "(state = 'queued' OR (state = 'running' AND lease_until_ms < @now)) RETURNING id, kind, args, attempts, retry_base",
            ("owner", owner), ("until", now + (long)lease.TotalMilliseconds), ("now", now), ("id", id));
        JobLease? got = null;
        using (var r = cmd.ExecuteReader())
            if (r.Read()) got = new JobLease(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), owner, r.GetInt32(4));
        if (got is not null)
            Exec(c, tx, "INSERT INTO interp_job_runs (job_id, attempt, owner, started_ms) VALUES (@j, @a, @o, @now)", ("j", got.Id), ("a", got.Attempts), ("o", owner), ("now", now));
        tx.Commit();
        return got;
    }

    /// <summary>Extends the lease; false when this owner no longer holds the job. Also says whether a cancel was asked.</summary>
    public (bool Held, bool CancelRequested) Renew(JobLease job, TimeSpan lease)
    {
        using var c = _db.Open();
        int n = Exec(c, null, "UPDATE interp_jobs SET lease_until_ms = @until WHERE id = @id AND owner = @o AND state = 'running'",
            ("until", Now + (long)lease.TotalMilliseconds), ("id", job.Id), ("o", job.Owner));
        if (n == 0) return (false, false);
        return (true, Convert.ToInt64(Scalar(c, null, "SELECT cancel_requested FROM interp_jobs WHERE id = @id", ("id", job.Id)), CultureInfo.InvariantCulture) == 1);
    }

    public void Progress(JobLease job, long done, long total, string? message)
    {
        using var c = _db.Open();
        if (Exec(c, null, "UPDATE interp_jobs SET done = @d, total = @t, message = @m WHERE id = @id AND owner = @o AND state = 'running'",
                ("d", done), ("t", total), ("m", message), ("id", job.Id), ("o", job.Owner)) == 0)
            throw new JobLeaseLostException(job.Id);
    }

    public void Log(long jobId, string level, string text)
    {
        using var c = _db.Open();
        Exec(c, null, "INSERT INTO interp_job_logs (job_id, at_ms, level, text) VALUES (@j, @now, @l, @t)", ("j", jobId), ("now", Now), ("l", level), ("t", text));
    }

    /// <summary>The result stored for a finished step, or null when the step has not been done.</summary>
    public string? StepResult(long jobId, string step)
    {
        using var c = _db.Open();
        return Scalar(c, null, "SELECT result FROM interp_job_steps WHERE job_id = @j AND step = @s", ("j", jobId), ("s", step)) as string;
    }

    public IReadOnlyList<(string Step, string Owner)> Steps(long jobId)
    {
        using var c = _db.Open();
        using var cmd = Command(c, null, "SELECT step, owner FROM interp_job_steps WHERE job_id = @j ORDER BY at_ms, step", ("j", jobId));
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    /// <summary>Records a finished step, only while <paramref name="job"/>'s owner holds it.</summary>
    public void CompleteStep(JobLease job, string step, string result)
    {
        using var c = _db.Open();
        using var tx = c.BeginTransaction();
        if (Exec(c, tx, "UPDATE interp_jobs SET lease_until_ms = lease_until_ms WHERE id = @id AND owner = @o AND state = 'running'", ("id", job.Id), ("o", job.Owner)) == 0)
            throw new JobLeaseLostException(job.Id);
        Exec(c, tx, "INSERT INTO interp_job_steps (job_id, step, result, owner, at_ms) VALUES (@j, @s, @r, @o, @now)",
            ("j", job.Id), ("s", step), ("r", result), ("o", job.Owner), ("now", Now));
        tx.Commit();
    }

    /// <summary>Ends a run: succeeded / failed / cancelled, or back to queued (interrupted by shutdown).</summary>
    public bool Finish(JobLease job, string state, string? error = null, string? result = null, string? message = null)
    {
        using var c = _db.Open();
        using var tx = c.BeginTransaction();
        bool final = JobStates.IsFinal(state);
        int n = Exec(c, tx, $"UPDATE interp_jobs SET state = @s, error = @e, result = COALESCE(@r, result), message = COALESCE(@m, message), owner = NULL, lease_until_ms = NULL" +
                            (final ? ", finished_ms = @now" : "") + " WHERE id = @id AND owner = @o AND state = 'running'",
            ("s", state), ("e", error), ("r", result), ("m", message), ("now", Now), ("id", job.Id), ("o", job.Owner));
        Exec(c, tx, "UPDATE interp_job_runs SET ended_ms = @now, outcome = @s WHERE job_id = @j AND attempt = @a AND owner = @o AND outcome IS NULL",
            ("now", Now), ("s", n == 1 ? state : "lost lease"), ("j", job.Id), ("a", job.Attempts), ("o", job.Owner));   // a run already marked lost keeps that
        tx.Commit();
        return n == 1;
    }

    /// <summary>Asks a job to stop: a queued one is cancelled at once, a running one at its next check.</summary>
    public JobRecord? Cancel(long id)
    {
        using var c = _db.Open();
        Exec(c, null, "UPDATE interp_jobs SET cancel_requested = 1 WHERE id = @id AND state IN ('queued', 'running')", ("id", id));
        Exec(c, null, "UPDATE interp_jobs SET state = 'cancelled', finished_ms = @now WHERE id = @id AND state = 'queued'", ("id", id), ("now", Now));
        return Get(id);
    }

    /// <summary>Queues a failed or cancelled job again; its finished steps stay done.</summary>
    public JobRecord? Retry(long id)
    {
        using var c = _db.Open();
        Exec(c, null, "UPDATE interp_jobs SET state = 'queued', cancel_requested = 0, error = NULL, finished_ms = NULL, retry_base = attempts WHERE id = @id AND state IN ('failed', 'cancelled')", ("id", id));
        return Get(id);
    }

    public JobRecord? Get(long id)
    {
        using var c = _db.Open();
        return Read(c, "WHERE id = @id", ("id", id)).FirstOrDefault();
    }

    public IReadOnlyList<JobRecord> List(string? state = null, int limit = 100)
    {
        using var c = _db.Open();
        return state is null ? Read(c, "ORDER BY id DESC LIMIT @n", ("n", limit)) : Read(c, "WHERE state = @s ORDER BY id DESC LIMIT @n", ("s", state), ("n", limit));
    }

    public IReadOnlyList<JobLogLine> Logs(long jobId, long afterSeq = 0, int limit = 500)
    {
        using var c = _db.Open();
        using var cmd = Command(c, null, "SELECT seq, job_id, at_ms, level, text FROM interp_job_logs WHERE job_id = @j AND seq > @s ORDER BY seq LIMIT @n",
            ("j", jobId), ("s", afterSeq), ("n", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<JobLogLine>();
        while (r.Read()) list.Add(new JobLogLine(r.GetInt64(0), r.GetInt64(1), Ms(r.GetInt64(2)), r.GetString(3), r.GetString(4)));
        return list;
    }

    public IReadOnlyList<JobRun> Runs(long jobId)
    {
        using var c = _db.Open();
        using var cmd = Command(c, null, "SELECT job_id, attempt, owner, started_ms, ended_ms, outcome FROM interp_job_runs WHERE job_id = @j ORDER BY attempt", ("j", jobId));
        using var r = cmd.ExecuteReader();
        var list = new List<JobRun>();
        while (r.Read())
            list.Add(new JobRun(r.GetInt64(0), r.GetInt32(1), r.GetString(2), Ms(r.GetInt64(3)), r.IsDBNull(4) ? null : Ms(r.GetInt64(4)), r.IsDBNull(5) ? null : r.GetString(5)));
        return list;
    }

    /// <summary>True when the store answers (readyz).</summary>
    public bool Ping()
    {
        using var c = _db.Open();
        return Convert.ToInt64(Scalar(c, null, "SELECT 1"), CultureInfo.InvariantCulture) == 1;
    }

    private static List<JobRecord> Read(DbConnection c, string where, params (string, object?)[] args)
    {
        using var cmd = Command(c, null, "SELECT id, kind, args, state, done, total, message, error, result, attempts, owner, created_ms, started_ms, finished_ms, " +
                                         "lease_until_ms, cancel_requested, submitted_by FROM interp_jobs " + where, args);
        using var r = cmd.ExecuteReader();
        var list = new List<JobRecord>();
        while (r.Read())
            list.Add(new JobRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), Str(r, 6), Str(r, 7), Str(r, 8),
                r.GetInt32(9), Str(r, 10), Ms(r.GetInt64(11)), MsOrNull(r, 12), MsOrNull(r, 13), MsOrNull(r, 14), r.GetInt32(15) == 1, Str(r, 16)));
        return list;
    }

    private static string? Str(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static DateTimeOffset Ms(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static DateTimeOffset? MsOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : Ms(r.GetInt64(i));

    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args) =>
        DbCommands.Command(c, tx, sql, args);

    private static int Exec(DbConnection c, DbTransaction? tx, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, tx, sql, args);
        return cmd.ExecuteNonQuery();
    }

    private static object? Scalar(DbConnection c, DbTransaction? tx, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, tx, sql, args);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }
}

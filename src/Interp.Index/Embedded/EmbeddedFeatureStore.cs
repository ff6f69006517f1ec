// The default feature store: one SQLite file (WAL: crash-safe, readers never wait for a writer) holding the records,
// their filter fields and float32 unit vectors; search is exact over an in-memory copy (VectorCache) that follows the
// file by revision, so points written by another process are seen on the next query. Not a server; one file per index.
// Beside it, "<file>.vectors" (VectorSidecar) keeps that copy whole for the next cold open: loaded, checked against its
// stamp and caught up by revision instead of reading every row from SQLite; rewritten after a large load or at dispose.
using System.Runtime.InteropServices;
using System.Text;
using Interp.Index.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using F = Interp.Index.FeaturePayload.Fields;

namespace Interp.Index.Embedded;

public sealed partial class EmbeddedFeatureStore : IFeatureStore
{
    private const int SqliteNotADb = 26, SqliteCorrupt = 11;
    private readonly string _path;
    private readonly bool _create;
    private readonly string _connString;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ReaderWriterLockSlim _cacheLock = new(LockRecursionPolicy.NoRecursion);
    private readonly object _refreshLock = new();
    private VectorCache? _cache;
    private StoreSchema? _schema;
    private Guid _instance;
    private long _sidecarRev = -1;          // the revision of the sidecar on disk as far as this process knows (-1: none)
    private long _changedSinceSidecar;      // rows put or removed in the cache since that sidecar (or since empty)
    private Task? _sidecarTask;

    /// <summary>Rows changed since the sidecar (read from SQLite, written, deleted) that make it worth rewriting.</summary>
    internal int SidecarMinRows { get; set; } = 5000;
    internal string SidecarPath => VectorSidecar.PathFor(_path);
    /// <summary>Where the cold load started from: "sidecar", "sqlite", or null before the first search (tests read it).</summary>
    internal string? LoadedFrom { get; private set; }

    /// <param name="create">create the file when it does not exist (indexing); false for search, which needs an index</param>
    /// <param name="busyTimeoutSeconds">how long a write waits for another process's write to finish</param>
    public EmbeddedFeatureStore(string path, bool create = true, ILogger<EmbeddedFeatureStore>? logger = null, int busyTimeoutSeconds = 60)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
        _create = create;
        _log = (ILogger?)logger ?? NullLogger.Instance;
        _connString = new SqliteConnectionStringBuilder
        {
            DataSource = _path, Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = true, DefaultTimeout = busyTimeoutSeconds,
        }.ToString();
    }

    public string Backend => "embedded";
    public string Location => _path;
    public int? DecoderDim { get; private set; }

    public Task OpenAsync(StoreSchema schema, CancellationToken ct)
    {
        if (!File.Exists(_path))
        {
            if (!_create) throw new FeatureIndexException($"no feature index at '{_path}'; build one with `interp index --records F.jsonl` " +
                "or point --index / Index:Embedded:Path at one.");
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        }
        else CheckSqliteHeader();
        try
        {
            using var conn = Connect();
            DecoderDim = EmbeddedSchema.CreateOrCheck(conn, _path, schema, out _instance);
            EmbeddedSchema.Exec(conn, null, "PRAGMA journal_mode=WAL");   // only once the file is known to be an index (it persists)
            // A new (never written) index starts with an empty in-memory copy, so this process's writes go straight into
            // it; an existing one is read in by the first search.
            using var tx = conn.BeginTransaction(deferred: true);
            if (Revision(conn, tx) == 0) _cache ??= new VectorCache(schema.EmbedderDim);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SqliteNotADb or SqliteCorrupt)
        {
            throw new FeatureIndexException($"'{_path}' is not a readable SQLite database ({e.Message}); point --index / Index:Embedded:Path " +
                "at an Interp feature index, or at a new file to create one.", e);
        }
        catch (SqliteException e)
        {
            throw new FeatureIndexException($"cannot open the feature index '{_path}' ({e.Message}); check the path and its permissions.", e);
        }
        _schema = schema;
        _log.LogInformation("Opened embedded feature index {Path} (decoder d_in {DecoderDim})", _path, DecoderDim);
        return Task.CompletedTask;
    }

    public Task<int?> GetDecoderDimAsync(CancellationToken ct)
    {
        if (DecoderDim is null)
        {
            using var conn = Connect();
            if (EmbeddedSchema.ReadMeta(conn, null).TryGetValue("decoder_dim", out var dd))
                DecoderDim = int.Parse(dd, System.Globalization.CultureInfo.InvariantCulture);
        }
        return Task.FromResult(DecoderDim);
    }

    public async Task UpsertAsync(IReadOnlyList<StoredPoint> points, int decoderDim, CancellationToken ct)
    {
        if (points.Count == 0) return;
        await _writeGate.WaitAsync(ct);
        try
        {
            using var conn = Connect(write: true);
            using var tx = conn.BeginTransaction();
            var meta = EmbeddedSchema.ReadMeta(conn, tx);
            if (meta.TryGetValue("decoder_dim", out var dd))
            {
                int have = int.Parse(dd, System.Globalization.CultureInfo.InvariantCulture);
                if (have != decoderDim) throw DecoderDimMismatch(have, decoderDim);
            }
            else EmbeddedSchema.SetMeta(conn, tx, "decoder_dim", decoderDim.ToString(System.Globalization.CultureInfo.InvariantCulture));
            long rev = NextRevision(conn, tx);
            using var cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"""
                INSERT INTO features(id, {F.SaeId}, {F.SaeName}, {F.ModelId}, {F.ModelName}, {F.Hook}, {F.Layer}, {F.Feature}, {F.Score},
                    {F.ScoreMethod}, {F.Density}, {F.Labeled}, {F.RunId}, {F.Explanation}, record, explanation_vec, decoder_vec, rev)
                VALUES (@id, @sae_id, @sae_name, @model_id, @model_name, @hook, @layer, @feature, @score, @score_method, @density,
                    @labeled, @run_id, @explanation, @record, @ev, @dv, @rev)
                ON CONFLICT(id) DO UPDATE SET {F.SaeId} = excluded.{F.SaeId}, {F.SaeName} = excluded.{F.SaeName},
                    {F.ModelId} = excluded.{F.ModelId}, {F.ModelName} = excluded.{F.ModelName}, {F.Hook} = excluded.{F.Hook},
                    {F.Layer} = excluded.{F.Layer}, {F.Feature} = excluded.{F.Feature}, {F.Score} = excluded.{F.Score},
                    {F.ScoreMethod} = excluded.{F.ScoreMethod}, {F.Density} = excluded.{F.Density}, {F.Labeled} = excluded.{F.Labeled},
                    {F.RunId} = excluded.{F.RunId}, {F.Explanation} = excluded.{F.Explanation}, record = excluded.record,
                    explanation_vec = excluded.explanation_vec, decoder_vec = excluded.decoder_vec, rev = excluded.rev
                RETURNING pk
                """;
            var names = new[] { "@id", "@sae_id", "@sae_name", "@model_id", "@model_name", "@hook", "@layer", "@feature", "@score",
                "@score_method", "@density", "@labeled", "@run_id", "@explanation", "@record", "@ev", "@dv", "@rev" };
            var prm = names.Select(n => cmd.Parameters.Add(n, SqliteType.Text)).ToArray();
            cmd.Prepare();
            var pks = new long[points.Count];
            for (int i = 0; i < points.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var p = points[i];
                var pl = p.Payload;
                object?[] values = [FeaturePointId.Text(p.Id), pl.SaeId, pl.SaeName, pl.ModelId, pl.ModelName, pl.Hook, pl.Layer, pl.Feature,
                    pl.Score, pl.ScoreMethod, pl.Density, pl.Labeled ? 1 : 0, pl.RunId, pl.Explanation, p.RecordJson,
                    Blob(p.Explanation), Blob(p.Decoder), rev];
                for (int j = 0; j < values.Length; j++)
                {
                    prm[j].SqliteType = values[j] switch { byte[] => SqliteType.Blob, int or long => SqliteType.Integer, double => SqliteType.Real, _ => SqliteType.Text };
                    prm[j].Value = values[j] ?? DBNull.Value;
                }
                pks[i] = (long)cmd.ExecuteScalar()!;
            }
            tx.Commit();
            DecoderDim = decoderDim;
            WithCacheAt(rev, points.Count, c =>
            {
                for (int i = 0; i < points.Count; i++)
                    c.Put(pks[i], FeaturePointId.Text(points[i].Id), points[i].Payload, points[i].Explanation, points[i].Decoder);
            });
        }
        catch (SqliteException e)
        {
            // Disk full, a read-only file, another writer holding the lock past the timeout: the transaction rolled back.
            throw new FeatureIndexException($"writing to the feature index '{_path}' failed ({e.Message}); nothing of this batch was written.", e);
        }
        finally { _writeGate.Release(); }
    }

    public Task<IReadOnlyList<(Guid Id, string RecordJson)>> GetAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var found = new List<(Guid, string)>();
        using var conn = Connect();
        foreach (var chunk in ids.Chunk(500))
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT id, record FROM features WHERE id IN ({Params(cmd, "@i", chunk.Select(FeaturePointId.Text))})";
            using var r = cmd.ExecuteReader();
            while (r.Read()) found.Add((Guid.Parse(r.GetString(0)), r.GetString(1)));
        }
        return Task.FromResult<IReadOnlyList<(Guid, string)>>(found);
    }

    public Task<float[]?> GetVectorAsync(Guid id, VectorKind kind, CancellationToken ct)
    {
        using var conn = Connect();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT {(kind == VectorKind.Explanation ? "explanation_vec" : "decoder_vec")} FROM features WHERE id = @id";
        cmd.Parameters.AddWithValue("@id", FeaturePointId.Text(id));
        var v = cmd.ExecuteScalar();
        return Task.FromResult(v is byte[] b ? MemoryMarshal.Cast<byte, float>(b).ToArray() : null);
    }

    public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken ct) =>
        Delete(cmd => $"DELETE FROM features WHERE id IN ({Params(cmd, "@i", ids.Select(FeaturePointId.Text))}) RETURNING pk", ids.Count == 0, ct);

    public Task DeleteAsync(FeatureFilter filter, CancellationToken ct) =>
        Delete(cmd => $"DELETE FROM features{SqlFilter.Where(filter, cmd)} RETURNING pk", false, ct);

    private async Task Delete(Func<SqliteCommand, string> sql, bool nothing, CancellationToken ct)
    {
        if (nothing) return;
        await _writeGate.WaitAsync(ct);
        try
        {
            using var conn = Connect(write: true);
            using var tx = conn.BeginTransaction();
            long rev = NextRevision(conn, tx);
            var gone = new List<long>();
            using (var cmd = conn.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = sql(cmd);
                using var r = cmd.ExecuteReader();
                while (r.Read()) gone.Add(r.GetInt64(0));
            }
            using (var log = conn.CreateCommand())
            {
                log.Transaction = tx;
                log.CommandText = "INSERT INTO deletions(pk, rev) VALUES (@pk, @rev)";
                var pk = log.Parameters.Add("@pk", SqliteType.Integer);
                log.Parameters.AddWithValue("@rev", rev);
                foreach (var g in gone) { pk.Value = g; log.ExecuteNonQuery(); }
            }
            tx.Commit();
            WithCacheAt(rev, gone.Count, c => { foreach (var g in gone) c.Remove(g); });
        }
        catch (SqliteException e)
        {
            // Disk full, a read-only file, another writer holding the lock past the timeout: the transaction rolled back.
            throw new FeatureIndexException($"writing to the feature index '{_path}' failed ({e.Message}); nothing of this batch was written.", e);
        }
        finally { _writeGate.Release(); }
    }

    public Task<IReadOnlyList<StoreHit>> SearchAsync(VectorKind kind, float[] unitQuery, FeatureFilter filter, int limit, int offset, CancellationToken ct)
    {
        Refresh();
        List<(long Pk, string Id, float Score)> top;
        _cacheLock.EnterReadLock();
        try { top = _cache!.Search(kind, unitQuery, filter, offset + limit); }
        finally { _cacheLock.ExitReadLock(); }
        var hits = top.Skip(offset).ToList();
        var json = new Dictionary<long, string>();
        if (hits.Count > 0)
        {
            using var conn = Connect();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT pk, record FROM features WHERE pk IN ({Params(cmd, "@p", hits.Select(h => (object)h.Pk))})";
            using var r = cmd.ExecuteReader();
            while (r.Read()) json[r.GetInt64(0)] = r.GetString(1);
        }
        // A hit deleted by another writer between ranking and reading is dropped.
        return Task.FromResult<IReadOnlyList<StoreHit>>(hits.Where(h => json.ContainsKey(h.Pk))
            .Select(h => new StoreHit(Guid.Parse(h.Id), h.Score, json[h.Pk])).ToList());
    }

    public Task<StorePage> ScrollAsync(FeatureFilter filter, int limit, Guid? from, CancellationToken ct)
    {
        using var conn = Connect();
        using var cmd = conn.CreateCommand();
        var extra = from is { } f ? new[] { "id >= @from" } : [];
        if (from is { } g) cmd.Parameters.AddWithValue("@from", FeaturePointId.Text(g));
        cmd.CommandText = $"SELECT id, record FROM features{SqlFilter.Where(filter, cmd, extra)} ORDER BY id LIMIT @n";
        cmd.Parameters.AddWithValue("@n", limit + 1);
        var items = new List<(Guid, string)>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) items.Add((Guid.Parse(r.GetString(0)), r.GetString(1)));
        Guid? next = items.Count > limit ? items[limit].Item1 : null;
        if (items.Count > limit) items.RemoveAt(limit);
        return Task.FromResult(new StorePage(items, next));
    }

    public Task<long> CountAsync(FeatureFilter filter, CancellationToken ct)
    {
        using var conn = Connect();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM features{SqlFilter.Where(filter, cmd)}";
        return Task.FromResult((long)cmd.ExecuteScalar()!);
    }

    /// <summary>The file's revision counter (bumped in the same transaction as every write and delete, by any process).</summary>
    public Task<long?> RevisionAsync(CancellationToken ct)
    {
        using var conn = Connect();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT rev FROM revision";
        return Task.FromResult<long?>((long)cmd.ExecuteScalar()!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecarTask is { } pending) await pending;
        if (_cache is not null && _changedSinceSidecar >= SidecarMinRows) WriteSidecar();
        using (var conn = new SqliteConnection(_connString)) SqliteConnection.ClearPool(conn);
        _cacheLock.Dispose();
        _writeGate.Dispose();
    }

    /// <summary>Brings the in-memory copy up to the file's revision: rows written and deleted since, by any process. A
    /// cold start begins from the sidecar when it is a checked copy of an earlier (or this) revision of this file.</summary>
    private void Refresh()
    {
        var schema = _schema ?? throw new InvalidOperationException("OpenAsync first.");
        lock (_refreshLock)
        {
            bool rewrite;
            using (var conn = Connect())
            using (var tx = conn.BeginTransaction(deferred: true))   // one snapshot for the revision and the rows
            {
                long rev = Revision(conn, tx);
                if (_cache is not null && _cache.Rev == rev) return;
                _cacheLock.EnterWriteLock();
                try
                {
                    var c = _cache;
                    bool fromSidecar = false;
                    if (c is null && (c = LoadSidecar(schema, rev)) is not null) fromSidecar = true;
                    c ??= new VectorCache(schema.EmbedderDim);
                    long since = c.Rev;
                    int n = CatchUp(conn, tx, c);
                    if (fromSidecar && c.Count != CountRows(conn, tx))
                    {
                        // Only a file changed behind the revision counter (a restored backup) gets here: start over from SQLite.
                        _log.LogWarning("The vector sidecar of {Path} (revision {Rev}) disagrees with the file after catching up; reading the file instead", _path, since);
                        c = new VectorCache(schema.EmbedderDim);
                        fromSidecar = false;
                        _sidecarRev = -1; _changedSinceSidecar = 0;
                        n = CatchUp(conn, tx, c);
                    }
                    if (_cache is null) LoadedFrom = fromSidecar ? "sidecar" : "sqlite";
                    c.Rev = rev;
                    _cache = c;
                    _changedSinceSidecar += n;
                    _log.LogDebug("Index cache of {Path} at revision {Rev}: {Rows} rows read since revision {Since}, {Total} in memory",
                        _path, rev, n, since, c.Count);
                }
                finally { _cacheLock.ExitWriteLock(); }
                rewrite = _changedSinceSidecar >= SidecarMinRows && _sidecarTask is null or { IsCompleted: true };
            }
            // In the background once this snapshot is closed (an open read transaction would keep the checkpoint from completing).
            if (rewrite) _sidecarTask = Task.Run(WriteSidecar);
        }
    }

    /// <summary>Applies this process's own write to the cache when the cache was exactly one revision behind; otherwise
    /// (another process wrote in between, or nothing is cached) the next search catches up from the file.</summary>
    private void WithCacheAt(long rev, int rows, Action<VectorCache> apply)
    {
        if (_cache is null) return;
        _cacheLock.EnterWriteLock();
        try
        {
            if (_cache.Rev != rev - 1) return;
            apply(_cache);
            _cache.Rev = rev;
            _changedSinceSidecar += rows;
        }
        finally { _cacheLock.ExitWriteLock(); }
    }

    /// <summary>A pooled connection; writers set synchronous=NORMAL (with WAL: durable at checkpoints, never corrupt).</summary>
    private SqliteConnection Connect(bool write = false)
    {
        var conn = new SqliteConnection(_connString);
        conn.Open();
        if (write) EmbeddedSchema.Exec(conn, null, "PRAGMA synchronous=NORMAL");
        return conn;
    }

    private static long NextRevision(SqliteConnection conn, SqliteTransaction tx)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE revision SET rev = rev + 1 RETURNING rev";
        return (long)cmd.ExecuteScalar()!;
    }

    private static long Revision(SqliteConnection conn, SqliteTransaction tx)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT rev FROM revision";
        return (long)cmd.ExecuteScalar()!;
    }

    private void CheckSqliteHeader()
    {
        var head = new byte[16];
        int n;
        using (var f = File.OpenRead(_path)) n = f.Read(head, 0, 16);
        if (n == 0) return;   // an empty file is an empty database
        if (n < 16 || Encoding.ASCII.GetString(head, 0, 15) != "SQLite format 3")
            throw new FeatureIndexException($"'{_path}' is not a SQLite file (it starts with \"{Encoding.ASCII.GetString(head, 0, n).ReplaceLineEndings(" ")}\"); " +
                "point --index / Index:Embedded:Path at an Interp feature index, or at a new file to create one.");
    }

    private FeatureIndexException DecoderDimMismatch(int have, int got) =>
        new($"'{_path}' holds SAEs with d_in {have} but these records have d_in {got}; an index holds one d_in: " +
            "index them into another file (--index OTHER.db).");

    private static byte[]? Blob(float[]? v) => v is null ? null : MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    /// <summary>The float32 blob in column <paramref name="i"/>, read into <paramref name="buf"/> (grown as needed) without a
    /// per-row allocation; empty for NULL.</summary>
    private static ReadOnlySpan<float> Floats(SqliteDataReader r, int i, ref byte[] buf)
    {
        if (r.IsDBNull(i)) return [];
        int len = checked((int)r.GetBytes(i, 0, null, 0, 0));
        if (buf.Length < len) buf = new byte[len];
        int got = (int)r.GetBytes(i, 0, buf, 0, len);
        return MemoryMarshal.Cast<byte, float>(buf.AsSpan(0, got));
    }

    private static string Params(SqliteCommand cmd, string prefix, IEnumerable<object> values)
    {
        var names = new List<string>();
        foreach (var v in values)
        {
            string n = prefix + names.Count;
            cmd.Parameters.AddWithValue(n, v);
            names.Add(n);
        }
        return names.Count == 0 ? "NULL" : string.Join(", ", names);
    }
}

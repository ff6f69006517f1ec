// The embedded store's side of the vector sidecar ("<file>.vectors", VectorSidecar): loading it when its stamp fits the
// file and catching it up by revision, and rewriting it after a complete WAL checkpoint. The rest of the store is in
// EmbeddedFeatureStore.cs.
using Interp.Index.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using F = Interp.Index.FeaturePayload.Fields;

namespace Interp.Index.Embedded;

public sealed partial class EmbeddedFeatureStore
{
    /// <summary>The sidecar's copy when its stamp fits this file (same instance, revision not past the file's); null otherwise,
    /// with a warning when a sidecar was there but could not be used.</summary>
    private VectorCache? LoadSidecar(StoreSchema schema, long fileRev)
    {
        var (cache, stamp, why) = VectorSidecar.TryRead(SidecarPath, schema.EmbedderDim);
        if (cache is not null && stamp.Instance != _instance) (cache, why) = (null, "it belongs to another index file at this path");
        else if (cache is not null && stamp.Rev > fileRev) (cache, why) = (null, $"its revision {stamp.Rev} is past the file's {fileRev}");
        if (cache is null)
        {
            if (why != "missing") _log.LogWarning("Ignoring the vector sidecar {Sidecar}: {Why}; reading the index from SQLite and rewriting it", SidecarPath, why);
            return null;
        }
        _sidecarRev = stamp.Rev;
        _changedSinceSidecar = 0;
        _log.LogDebug("Loaded {Rows} rows of {Path} from its vector sidecar (revision {Rev})", cache.Count, _path, stamp.Rev);
        return cache;
    }

    /// <summary>Applies the deletions and the rows written after c.Rev (all rows when c.Rev is 0); the rows read.</summary>
    private int CatchUp(SqliteConnection conn, SqliteTransaction tx, VectorCache c)
    {
        long since = c.Rev;
        int n = 0;
        using (var del = conn.CreateCommand())
        {
            del.Transaction = tx;
            del.CommandText = "SELECT pk FROM deletions WHERE rev > @r";
            del.Parameters.AddWithValue("@r", since);
            using var r = del.ExecuteReader();
            while (r.Read()) { c.Remove(r.GetInt64(0)); n++; }
        }
        if (since == 0) c.Reserve(checked((int)CountRows(conn, tx)));
        byte[] ebuf = [], dbuf = [];                        // one buffer per vector kind, reused for every row
        using (var cmd = conn.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT pk, id, {F.SaeId}, {F.SaeName}, {F.ModelId}, {F.ModelName}, {F.Hook}, {F.Layer}, {F.Feature}, " +
                $"{F.Score}, {F.ScoreMethod}, {F.Density}, {F.Labeled}, {F.RunId}, explanation_vec, decoder_vec FROM features" +
                (since == 0 ? "" : " WHERE rev > @r");   // a first load scans the table in pk order, not through ix_features_rev
            cmd.Parameters.AddWithValue("@r", since);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var pl = new FeaturePayload(r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                    r.GetInt32(7), r.GetInt32(8), r.IsDBNull(9) ? null : r.GetDouble(9), r.IsDBNull(10) ? null : r.GetString(10),
                    r.IsDBNull(11) ? null : r.GetDouble(11), r.GetInt64(12) != 0, r.GetString(13), "");
                c.Put(r.GetInt64(0), r.GetString(1), pl, Floats(r, 14, ref ebuf), Floats(r, 15, ref dbuf));
                n++;
            }
        }
        return n;
    }

    private static long CountRows(SqliteConnection conn, SqliteTransaction tx)
    {
        using var count = conn.CreateCommand();
        count.Transaction = tx;
        count.CommandText = "SELECT COUNT(*) FROM features";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Saves the cache as the sidecar, only when its revision is durable in the file: with the cache held still, a
    /// complete WAL checkpoint (every committed frame copied into the file and synced) must succeed first; otherwise (a
    /// reader of another process holds the WAL) it is left for later. A failure to write is a warning, never an error:
    /// the sidecar is only a cache.</summary>
    private void WriteSidecar()
    {
        try
        {
            _cacheLock.EnterReadLock();
            try
            {
                var c = _cache;
                if (c is null || c.Rev == _sidecarRev || c.Rev == 0) return;
                if (!CheckpointComplete())
                {
                    _log.LogDebug("Vector sidecar of {Path} not written: the WAL checkpoint did not complete (another reader)", _path);
                    return;
                }
                VectorSidecar.Write(SidecarPath, _instance, c);
                _sidecarRev = c.Rev;
                _changedSinceSidecar = 0;
                _log.LogDebug("Wrote the vector sidecar of {Path} at revision {Rev} ({Rows} rows)", _path, c.Rev, c.Count);
            }
            finally { _cacheLock.ExitReadLock(); }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException or Interp.Errors.InterpException)
        {
            _log.LogWarning("Could not write the vector sidecar {Sidecar} ({Message}); cold opens will read the index from SQLite", SidecarPath, e.Message);
        }
    }

    private bool CheckpointComplete()
    {
        using var conn = Connect();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var r = cmd.ExecuteReader();
        return r.Read() && r.GetInt64(0) == 0 && r.GetInt64(1) >= 0 && r.GetInt64(1) == r.GetInt64(2);
    }
}

// Finalize: one read of every context row to check it and count each feature's activations, then, per range of features
// whose activations fit the memory budget, one more read that sorts them into per-feature arrays (a counting sort), and
// each feature's statistics and examples computed from its array (FeatureSummarizer, features in parallel). Features are
// committed in chunks with a marker, so finalize resumes; new settings recompute. Not the build (LatentCacheBuilder).
using System.Text.Json;
using Interp.Tensors;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Interp.Dictionaries.Cache;

internal static class CacheFinalizer
{
    private delegate void RowVisitor(long id, ContextBlob blob);

    public static void Run(SqliteConnection conn, string path, LatentCacheOptions o, CacheProgress? progress)
    {
        string key = o.FinalizeKey();
        if (CacheDb.GetMeta(conn, "finalize_key") != key)
        {
            using var tx = conn.BeginTransaction();
            CacheDb.Exec(conn, "DELETE FROM features");
            CacheDb.SetMeta(conn, "finalize_key", key);
            CacheDb.SetMeta(conn, "finalize_next", 0);
            CacheDb.SetMeta(conn, "finalized", 0);
            tx.Commit();
        }
        if (CacheDb.MetaLong(conn, path, "finalized") == 1) return;
        var layout = CacheDb.Layout(conn, path);
        int dSae = layout.DSae, t = layout.ContextLength;
        long contexts = CacheDb.MetaLong(conn, path, "contexts_done");
        if (contexts < 0) throw CacheDb.Damaged(path, $"its meta key 'contexts_done' is {contexts}");
        if (contexts * t > int.MaxValue)
            throw new NotSupportedException($"the latent cache '{path}' holds {contexts * t:N0} tokens; finalize handles up to {int.MaxValue:N0}. " +
                "Split the corpus into several caches.");

        // pass 1: check every row, count each feature's activations, keep the token ids (4 bytes a token)
        var tokens = new int[contexts * t];
        var counts = new long[dSae];
        Scan(conn, path, layout, contexts, verify: true, (id, blob) =>
        {
            blob.CopyTokens(tokens.AsSpan((int)(id * t), t));
            blob.CountIds(counts);
        });
        long stored = CacheDb.MetaLong(conn, path, "activations");
        if (counts.Sum() != stored) throw CacheDb.Damaged(path, $"its rows hold {counts.Sum():N0} activations where its meta says {stored:N0}");
        progress?.Invoke(new CacheProgressEvent(CacheStage.Counted, 0, dSae));

        var summarizer = new FeatureSummarizer(o, (int)contexts, t, tokens, ExampleBlob.TokenBytesFor(layout.DVocab));
        using var insert = new FeatureInserter(conn);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Par.Threads };
        for (int next = (int)CacheDb.MetaLong(conn, path, "finalize_next"); next < dSae;)
        {
            // pass 2 for features [lo, hi): as many as fit the memory budget (8 bytes an activation), at least one
            int lo = next, hi = lo;
            long total = 0;
            while (hi < dSae && (hi == lo || ((total + counts[hi]) * 8 <= o.FinalizeMemory && total + counts[hi] <= Array.MaxLength))) total += counts[hi++];
            var starts = new int[hi - lo + 1];
            for (int f = lo; f < hi; f++) starts[f - lo + 1] = starts[f - lo] + (int)counts[f];
            var keys = GC.AllocateUninitializedArray<int>((int)total);     // every slot is written by the scatter
            var vals = GC.AllocateUninitializedArray<float>((int)total);
            var cursor = starts[..^1];
            if (total > 0) Scan(conn, path, layout, contexts, verify: false, (id, blob) => blob.Scatter(lo, hi, (int)(id * t), cursor, keys, vals));

            for (int c0 = lo; c0 < hi; c0 += o.FinalizeChunk)
            {
                int c1 = Math.Min(hi, c0 + o.FinalizeChunk);
                var rows = new FeatureRow[c1 - c0];
                Parallel.For(c0, c1, parallel, f =>
                    rows[f - c0] = summarizer.Summarize(f, keys.AsMemory(starts[f - lo], (int)counts[f]), vals.AsMemory(starts[f - lo], (int)counts[f])));
                using var tx = conn.BeginTransaction();
                foreach (var r in rows) insert.Insert(r, tx);
                CacheDb.SetMeta(conn, "finalize_next", c1);
                if (c1 == dSae) CacheDb.SetMeta(conn, "finalized", 1);
                progress?.Invoke(new CacheProgressEvent(CacheStage.FeaturesWritten, c1, dSae));
                tx.Commit();
                progress?.Invoke(new CacheProgressEvent(CacheStage.FeaturesCommitted, c1, dSae));
            }
            next = hi;
        }
        progress?.Invoke(new CacheProgressEvent(CacheStage.Finalized, dSae, dSae));
    }

    /// <summary>Visits every context row in id order, checking that the ids run 0..contexts-1 without a gap and (with
    /// <paramref name="verify"/>) that each row is intact. Reads blobs in place through SQLite's C API (no copies).</summary>
    private static void Scan(SqliteConnection conn, string path, ContextLayout layout, long contexts, bool verify, RowVisitor visit)
    {
        var db = conn.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, "SELECT id, data FROM contexts ORDER BY id", out sqlite3_stmt stmt));
        using (stmt)
        {
            long expect = 0;
            int rc;
            while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW)
            {
                long id = raw.sqlite3_column_int64(stmt, 0);
                if (id != expect)
                    throw CacheDb.Damaged(path, id < expect ? $"context id {id} is out of order" : $"context {expect} is missing (the next row is {id})");
                if (id >= contexts) throw CacheDb.Damaged(path, $"it holds a row for context {id} but its meta says {contexts} contexts were stored");
                if (raw.sqlite3_column_type(stmt, 1) != raw.SQLITE_BLOB) throw CacheDb.Damaged(path, $"the row of context {id} is not a blob");
                visit(id, ContextBlob.Parse(raw.sqlite3_column_blob(stmt, 1), layout, id, path, verify));
                expect++;
            }
            if (rc != raw.SQLITE_DONE) Check(db, rc);
            if (expect != contexts) throw CacheDb.Damaged(path, $"it holds {expect} context rows where its meta says {contexts}");
        }
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", rc);
    }

    /// <summary>Writes features rows with one prepared statement.</summary>
    private sealed class FeatureInserter : IDisposable
    {
        private readonly SqliteCommand _cmd;

        public FeatureInserter(SqliteConnection conn)
        {
            _cmd = conn.CreateCommand();
            _cmd.CommandText = "INSERT INTO features(feature, count, density, max, mean, histogram, quantile_bins, examples) " +
                               "VALUES($f, $n, $d, $max, $mean, $h, $q, $e)";
            foreach (var n in new[] { "$f", "$n", "$d", "$max", "$mean", "$h", "$q", "$e" }) _cmd.Parameters.Add(new SqliteParameter { ParameterName = n });
        }

        public void Insert(FeatureRow r, SqliteTransaction tx)
        {
            _cmd.Transaction = tx;
            var p = _cmd.Parameters;
            p[0].Value = r.Feature; p[1].Value = r.Count; p[2].Value = r.Density; p[3].Value = r.Max; p[4].Value = r.Mean;
            p[5].Value = JsonSerializer.Serialize(r.Histogram);
            p[6].Value = JsonSerializer.Serialize(r.Bins.Select(b => new { count = b.Count, low = b.Low, high = b.High }));
            p[7].Value = r.Examples;
            _cmd.ExecuteNonQuery();
        }

        public void Dispose() => _cmd.Dispose();
    }

    /// <summary>Up to <paramref name="want"/> distinct contexts of [0, <paramref name="contexts"/>) where
    /// <paramref name="fires"/> is false, uniformly: seeded draws kept when silent; after 20·want+100 draws (a feature that
    /// fires almost everywhere) a seeded reservoir sample over all silent contexts.</summary>
    internal static List<long> SampleSilent(long contexts, int want, Func<long, bool> fires, Rng draws, Rng reservoir)
    {
        var chosen = new List<long>();
        var tried = new HashSet<long>();
        for (int draw = 0; draw < 20 * want + 100 && chosen.Count < want && tried.Count < contexts; draw++)
        {
            long c = draws.NextInt64(0, contexts);
            if (tried.Add(c) && !fires(c)) chosen.Add(c);
        }
        if (chosen.Count == want || tried.Count == contexts) return chosen;
        chosen.Clear();
        long seen = 0;
        for (long c = 0; c < contexts; c++)
        {
            if (fires(c)) continue;
            if (chosen.Count < want) chosen.Add(c);
            else if (reservoir.NextInt64(0, seen + 1) is var j && j < want) chosen[(int)j] = c;
            seen++;
        }
        return chosen;
    }

    /// <summary>The first position of a <paramref name="w"/>-token window around <paramref name="pos"/>: the peak sits at
    /// index window-1-window/4 (11 of 16: more left context, which a causal model's feature reads), shifted to stay
    /// inside the context.</summary>
    internal static int WindowStart(int pos, int w, int contextLength, int window) =>
        Math.Clamp(pos - (window - 1 - window / 4), 0, contextLength - w);
}

/// <summary>Seeded random streams per (seed, feature, purpose, bin), so finalize gives the same choices on every
/// platform and run, in any feature order: a resumed finalize equals an uninterrupted one.</summary>
internal static class SeededStreams
{
    public static Rng For(ulong seed, long feature, int purpose, int bin)
    {
        ulong s = seed;
        foreach (var x in new[] { (ulong)feature, (ulong)purpose, (ulong)bin }) { s ^= x; s = Rng.SplitMix64(ref s); }
        return new Rng(s);
    }

    /// <summary>min(k, n) distinct values of [0, n), uniformly (Floyd's algorithm), in ascending order.</summary>
    public static IEnumerable<long> Distinct(this Rng rng, long n, int k)
    {
        var set = new SortedSet<long>();
        for (long j = n - Math.Min(k, n); j < n; j++)
        {
            long t = rng.NextInt64(0, j + 1);
            set.Add(set.Contains(t) ? j : t);
        }
        return set;
    }
}

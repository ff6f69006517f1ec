// Finalize: from the stored non-zero activations, per feature: count, density, max, mean and a histogram (SQL aggregates
// over the acts_by_value index), top-K contexts by peak and quantile samples (one pass over the feature's rows in that
// index's order; memory does not grow with the corpus), and random contexts where it never fires (seeded sampling with
// primary-key lookups). Features are committed in chunks with a marker, so finalize resumes; new settings recompute.
using System.Text.Json;
using Interp.Tensors;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

internal static class CacheFinalizer
{
    public static void Run(SqliteConnection conn, LatentCacheOptions o, CacheProgress? progress)
    {
        string key = o.FinalizeKey();
        if (CacheDb.GetMeta(conn, "finalize_key") != key)
        {
            using var tx = conn.BeginTransaction();
            CacheDb.Exec(conn, "DELETE FROM features; DELETE FROM examples;");
            CacheDb.SetMeta(conn, "finalize_key", key);
            CacheDb.SetMeta(conn, "finalize_next", 0);
            CacheDb.SetMeta(conn, "finalized", 0);
            tx.Commit();
        }
        int dSae = (int)CacheDb.GetMetaLong(conn, "d_sae");
        if (CacheDb.GetMetaLong(conn, "finalized") == 1) return;
        CacheDb.Exec(conn, CacheDb.ValueIndexDdl);
        progress?.Invoke(new CacheProgressEvent(CacheStage.IndexBuilt, 0, dSae));

        var ctx = new FeatureScan(conn, o, CacheDb.GetMetaLong(conn, "contexts_done"), CacheDb.GetMetaLong(conn, "tokens_done"),
            (int)CacheDb.GetMetaLong(conn, "context"));
        for (int next = (int)CacheDb.GetMetaLong(conn, "finalize_next"); next < dSae;)
        {
            int end = Math.Min(dSae, next + o.FinalizeChunk);
            using (var tx = conn.BeginTransaction())
            {
                for (int f = next; f < end; f++) ctx.Write(f);
                CacheDb.SetMeta(conn, "finalize_next", end);
                if (end == dSae) CacheDb.SetMeta(conn, "finalized", 1);
                progress?.Invoke(new CacheProgressEvent(CacheStage.FeaturesWritten, end, dSae));
                tx.Commit();
            }
            progress?.Invoke(new CacheProgressEvent(CacheStage.FeaturesCommitted, end, dSae));
            next = end;
        }
        progress?.Invoke(new CacheProgressEvent(CacheStage.Finalized, dSae, dSae));
    }

    /// <summary>Computes and inserts one feature's row and examples (inside the caller's transaction).</summary>
    private sealed class FeatureScan(SqliteConnection conn, LatentCacheOptions o, long contexts, long tokens, int contextLength)
    {
        public void Write(int f)
        {
            var (count, max, sum) = Aggregates(f);
            var hist = count == 0 ? new long[o.HistogramBins] : Histogram(f, max);
            var picks = new List<Pick>();
            var bins = Scan(f, count, picks);
            using (var cmd = conn.CreateCommand())
            {
                cmd.CommandText = "INSERT INTO features(feature, count, density, max, mean, histogram, quantile_bins) VALUES($f, $n, $d, $max, $mean, $h, $q)";
                cmd.Parameters.AddWithValue("$f", f);
                cmd.Parameters.AddWithValue("$n", count);
                cmd.Parameters.AddWithValue("$d", tokens == 0 ? 0.0 : (double)count / tokens);
                cmd.Parameters.AddWithValue("$max", max);
                cmd.Parameters.AddWithValue("$mean", count == 0 ? 0.0 : sum / count);
                cmd.Parameters.AddWithValue("$h", JsonSerializer.Serialize(hist));
                cmd.Parameters.AddWithValue("$q", JsonSerializer.Serialize(bins.Select(b => new { count = b.Count, low = b.Low, high = b.High })));
                cmd.ExecuteNonQuery();
            }
            Negatives(f, picks);
            foreach (var p in picks) Insert(f, p);
        }

        private (long count, double max, double sum) Aggregates(int f)
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*), COALESCE(MAX(value), 0), TOTAL(value) FROM acts WHERE feature = $f";
            cmd.Parameters.AddWithValue("$f", f);
            using var r = cmd.ExecuteReader();
            r.Read();
            return (r.GetInt64(0), r.GetDouble(1), r.GetDouble(2));
        }

        /// <summary>Linear bins over [0, max]: bin = min(floor(value·B/max), B-1); negative values (no architecture here
        /// makes them) count in bin 0.</summary>
        private long[] Histogram(int f, double max)
        {
            int nb = o.HistogramBins;
            var hist = new long[nb];
            if (!(max > 0)) { hist[0] = Aggregates(f).count; return hist; }
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT MAX(0, MIN(CAST(value * $scale AS INTEGER), $last)) AS bin, COUNT(*) FROM acts WHERE feature = $f GROUP BY bin";
            cmd.Parameters.AddWithValue("$scale", nb / max);
            cmd.Parameters.AddWithValue("$last", nb - 1);
            cmd.Parameters.AddWithValue("$f", f);
            using var r = cmd.ExecuteReader();
            while (r.Read()) hist[r.GetInt32(0)] = r.GetInt64(1);
            return hist;
        }

        /// <summary>One pass over the feature's activations by value (highest first, then context, then position): the
        /// first row of each context is its peak, so the first K distinct contexts are the top K; quantile bins are rank
        /// ranges of the same order, and their pre-drawn sample ranks are picked up on the way.</summary>
        private List<QuantileBin> Scan(int f, long n, List<Pick> picks)
        {
            int q = o.Quantiles;
            var bins = new List<QuantileBin>();
            if (n == 0) return bins;
            // bin b (0 = lowest) holds ascending ranks [b·n/q, (b+1)·n/q); in descending order those are ranks n-1-asc
            var want = new SortedDictionary<long, int>();                // descending rank -> bin
            var low = new double[q]; var high = new double[q];
            var lowRank = new long[q]; var highRank = new long[q];
            for (int b = 0; b < q; b++)
            {
                long lo = b * n / q, hi = (b + 1) * n / q;               // ascending, [lo, hi)
                highRank[b] = n - 1 - (hi - 1); lowRank[b] = n - 1 - lo;  // descending ranks of the bin's largest and smallest
                var rng = SeededStreams.For(o.Seed, f, 1, b);
                foreach (var r in rng.Distinct(hi - lo, o.PerQuantile)) want[n - 1 - (lo + r)] = b;
            }
            var topSeen = new HashSet<long>();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT context, pos, value FROM acts WHERE feature = $f ORDER BY value DESC, context, pos";
            cmd.Parameters.AddWithValue("$f", f);
            using var rd = cmd.ExecuteReader();
            for (long rank = 0; rd.Read(); rank++)
            {
                long c = rd.GetInt64(0); int p = rd.GetInt32(1); double v = rd.GetDouble(2);
                if (topSeen.Count < o.TopK && topSeen.Add(c)) picks.Add(new Pick(ExampleKind.Top, topSeen.Count - 1, null, c, p, v));
                if (want.TryGetValue(rank, out int b)) picks.Add(new Pick(ExampleKind.Quantile, 0, b, c, p, v));
                for (int i = 0; i < q; i++)
                {
                    if (rank == highRank[i]) high[i] = v;
                    if (rank == lowRank[i]) low[i] = v;
                }
            }
            for (int b = 0; b < q; b++) bins.Add(new QuantileBin(b, (b + 1) * n / q - b * n / q, low[b], high[b]));
            // rank within each bin: by value, highest first (the scan order)
            var byBin = picks.Where(p => p.Kind == ExampleKind.Quantile).GroupBy(p => p.Bin!.Value);
            var ranked = new List<Pick>();
            foreach (var g in byBin) ranked.AddRange(g.Select((p, i) => p with { Rank = g.Key * o.PerQuantile + i }));
            picks.RemoveAll(p => p.Kind == ExampleKind.Quantile);
            picks.AddRange(ranked);
            return bins;
        }

        private void Negatives(int f, List<Pick> picks)
        {
            if (o.RandomNegatives == 0 || contexts == 0) return;
            using var fires = conn.CreateCommand();
            fires.CommandText = "SELECT EXISTS(SELECT 1 FROM acts WHERE context = $c AND feature = $f)";
            var pc = fires.Parameters.Add(new SqliteParameter { ParameterName = "$c" });
            fires.Parameters.AddWithValue("$f", f);
            var chosen = SampleSilent(contexts, o.RandomNegatives, c => { pc.Value = c; return (long)fires.ExecuteScalar()! != 0; },
                SeededStreams.For(o.Seed, f, 2, 0), SeededStreams.For(o.Seed, f, 3, 0));
            var win = SeededStreams.For(o.Seed, f, 4, 0);
            int w = Math.Min(o.Window, contextLength);
            for (int i = 0; i < chosen.Count; i++)
                picks.Add(new Pick(ExampleKind.RandomNegative, i, null, chosen[i], -1, 0, win.NextInt(contextLength - w + 1)));
        }

        private void Insert(int f, Pick p)
        {
            int w = Math.Min(o.Window, contextLength);
            int start = p.Start ?? WindowStart(p.Pos, w, contextLength, o.Window);
            int[] tokens;
            using (var cmd = conn.CreateCommand())
            {
                cmd.CommandText = "SELECT tokens FROM contexts WHERE id = $c";
                cmd.Parameters.AddWithValue("$c", p.Context);
                tokens = CacheDb.BlobToInts((byte[])cmd.ExecuteScalar()!);
            }
            var acts = new float[w];
            if (p.Kind != ExampleKind.RandomNegative)
            {
                using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT pos, value FROM acts WHERE context = $c AND feature = $f AND pos >= $s AND pos < $e";
                cmd.Parameters.AddWithValue("$c", p.Context);
                cmd.Parameters.AddWithValue("$f", f);
                cmd.Parameters.AddWithValue("$s", start);
                cmd.Parameters.AddWithValue("$e", start + w);
                using var r = cmd.ExecuteReader();
                while (r.Read()) acts[r.GetInt32(0) - start] = (float)r.GetDouble(1);
            }
            using var ins = conn.CreateCommand();
            ins.CommandText = "INSERT INTO examples(feature, kind, rank, bin, context, pos, value, start, tokens, acts) " +
                              "VALUES($f, $k, $r, $b, $c, $p, $v, $s, $t, $a)";
            ins.Parameters.AddWithValue("$f", f);
            ins.Parameters.AddWithValue("$k", (int)p.Kind);
            ins.Parameters.AddWithValue("$r", p.Rank);
            ins.Parameters.AddWithValue("$b", p.Bin is { } b ? b : DBNull.Value);
            ins.Parameters.AddWithValue("$c", p.Context);
            ins.Parameters.AddWithValue("$p", p.Pos);
            ins.Parameters.AddWithValue("$v", p.Value);
            ins.Parameters.AddWithValue("$s", start);
            ins.Parameters.AddWithValue("$t", CacheDb.IntsToBlob(tokens.AsSpan(start, w)));
            ins.Parameters.AddWithValue("$a", CacheDb.FloatsToBlob(acts));
            ins.ExecuteNonQuery();
        }
    }

    /// <summary>Up to <paramref name="want"/> distinct contexts of [0, <paramref name="contexts"/>) where
    /// <paramref name="fires"/> is false, uniformly: seeded draws kept when silent (a primary-key lookup each); after
    /// 20·want+100 draws (a feature that fires almost everywhere) a seeded reservoir sample over all silent contexts.</summary>
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

    private sealed record Pick(ExampleKind Kind, int Rank, int? Bin, long Context, int Pos, double Value, int? Start = null);
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

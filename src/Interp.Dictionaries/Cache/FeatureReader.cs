// Reads one finalized feature's row into a CachedFeature, checking what a damaged or edited row could get wrong (counts
// that do not add up, a malformed histogram or bin list, examples failing their checksum): such a row is an
// InvalidDataException naming the file and feature, never a feature that "never fires". Used by LatentCache.Feature.
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

internal static class FeatureReader
{
    private static string Sql(Type t) => t == typeof(long) ? "an integer" : t == typeof(double) ? "a real" : t == typeof(string) ? "text"
        : t == typeof(byte[]) ? "a blob" : "null";

    public static CachedFeature Read(SqliteConnection conn, CacheInfo info, int id, Func<int, string> tokenText)
    {
        InvalidDataException Bad(string what) => CacheDb.Damaged(info.Path, $"the row of feature {id} {what}");
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count, density, max, mean, histogram, quantile_bins, examples FROM features WHERE feature = $f";
        cmd.Parameters.AddWithValue("$f", id);
        using var r = cmd.ExecuteReader();
        if (!r.Read()) throw Bad("is missing although the cache is marked finalized");
        for (int c = 0; c < 7; c++)
        {
            var want = c switch { 0 => typeof(long), 1 or 2 or 3 => typeof(double), 4 or 5 => typeof(string), _ => typeof(byte[]) };
            var got = r.IsDBNull(c) ? typeof(DBNull) : r.GetFieldType(c);                       // the stored value's type, not the column's
            if (got != want && !(want == typeof(double) && got == typeof(long)))
                throw Bad($"holds {Sql(got)} in column '{r.GetName(c)}' where {Sql(want)} belongs");
        }
        long count = r.GetInt64(0);
        double density = r.GetDouble(1), max = r.GetDouble(2), mean = r.GetDouble(3);
        if (count < 0 || count > info.Tokens) throw Bad($"says it fires {count} times in {info.Tokens} tokens");
        if (Math.Abs(density - (info.Tokens == 0 ? 0 : (double)count / info.Tokens)) > 1e-12) throw Bad($"has density {density} for {count} of {info.Tokens} tokens");
        if (!double.IsFinite(max) || !double.IsFinite(mean) || (count == 0 && (max != 0 || mean != 0)) || (count > 0 && mean > max + 1e-6 * Math.Abs(max)))
            throw Bad($"has max {max} and mean {mean} for {count} activations");
        long[] hist;
        var bins = new List<QuantileBin>();
        try
        {
            hist = JsonSerializer.Deserialize<long[]>(r.GetString(4)) ?? throw Bad("has a null histogram");
            using var q = JsonDocument.Parse(r.GetString(5));
            if (q.RootElement.ValueKind != JsonValueKind.Array) throw Bad("has quantile bins that are not a list");
            foreach (var e in q.RootElement.EnumerateArray())
                bins.Add(new QuantileBin(bins.Count, e.GetProperty("count").GetInt64(), e.GetProperty("low").GetDouble(), e.GetProperty("high").GetDouble()));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw Bad($"has a malformed histogram or quantile bins ({e.Message.TrimEnd('.')})");
        }
        if (hist.Length == 0 || hist.Any(h => h < 0) || hist.Sum() != count) throw Bad($"has a histogram of {hist.Length} bins summing to {hist.Sum()}, not {count}");
        if ((count == 0) != (bins.Count == 0) || bins.Sum(b => b.Count) != count || bins.Any(b => b.Count < 0 || b.Low > b.High))
            throw Bad($"has {bins.Count} quantile bins holding {bins.Sum(b => b.Count)} activations, not {count}");

        List<ExampleBlob.Raw> raw;
        try { raw = ExampleBlob.Decode((byte[])r.GetValue(6), info.Contexts, info.ContextLength); }
        catch (InvalidDataException e) { throw Bad($"has damaged examples: {e.Message}"); }
        var examples = raw.Select(x => new CacheExample(x.Kind, x.Rank, x.Bin, x.Context, x.Start, x.Pos < 0 ? -1 : x.Pos - x.Start, x.Pos,
            x.Value, x.Tokens, x.Tokens.Select(tokenText).ToArray(), x.Acts)).ToList();
        return new CachedFeature(id, count, info.Tokens, density, max, mean, new FeatureHistogram(max, hist), bins,
            examples.Where(e => e.Kind == ExampleKind.Top).ToList(), examples.Where(e => e.Kind == ExampleKind.Quantile).ToList(),
            examples.Where(e => e.Kind == ExampleKind.RandomNegative).ToList());
    }
}

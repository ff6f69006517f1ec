// FeatureFilter as a SQL WHERE clause over the embedded store's columns (named parameters, never spliced text). Mirrors
// FeatureFilter.Matches: a NULL score or density fails any bound on it, as a missing payload field fails a Qdrant range.
using Microsoft.Data.Sqlite;
using F = Interp.Index.FeaturePayload.Fields;

namespace Interp.Index.Embedded;

internal static class SqlFilter
{
    /// <summary>"" for no filter, else " WHERE …" with its parameters added to <paramref name="cmd"/>; <paramref name="extra"/>
    /// are further conditions (already parameterised by the caller) joined by AND.</summary>
    public static string Where(FeatureFilter f, SqliteCommand cmd, params string[] extra)
    {
        var parts = new List<string>();
        void Eq(string col, object? v)
        {
            if (v is null) return;
            string p = "@f" + parts.Count;
            parts.Add($"{col} = {p}");
            cmd.Parameters.AddWithValue(p, v);
        }
        void Cmp(string col, string op, double? v)
        {
            if (v is null) return;
            string p = "@f" + parts.Count;
            parts.Add($"{col} {op} {p}");
            cmd.Parameters.AddWithValue(p, v.Value);
        }
        Eq(F.SaeId, f.SaeId); Eq(F.SaeName, f.SaeName); Eq(F.ModelId, f.ModelId); Eq(F.ModelName, f.ModelName);
        Eq(F.Hook, f.Hook); Eq(F.Layer, f.Layer); Eq(F.ScoreMethod, f.ScoreMethod); Eq(F.RunId, f.RunId);
        if (f.Labeled is { } lab) Eq(F.Labeled, lab ? 1 : 0);
        Cmp(F.Score, ">=", f.MinScore); Cmp(F.Score, "<=", f.MaxScore);
        Cmp(F.Density, ">=", f.MinDensity); Cmp(F.Density, "<=", f.MaxDensity);
        if (f.Exclude is { Count: > 0 } ex)
        {
            var names = new List<string>();
            foreach (var k in ex)
            {
                string p = $"@x{names.Count}";
                names.Add(p);
                cmd.Parameters.AddWithValue(p, FeaturePointId.Text(k.PointId));
            }
            parts.Add($"id NOT IN ({string.Join(", ", names)})");
        }
        parts.AddRange(extra);
        return parts.Count == 0 ? "" : " WHERE " + string.Join(" AND ", parts);
    }
}

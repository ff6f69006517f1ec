// FeatureFilter as a Qdrant filter: every set field becomes a `must` condition (keyword / integer / bool match, or a
// range), excluded features a `must_not` has_id. Mirrors FeatureFilter.Matches: a missing field fails a match or range.
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;
using F = Interp.Index.FeaturePayload.Fields;
using QRange = Qdrant.Client.Grpc.Range;

namespace Interp.Index.QdrantAdapter;

internal static class QdrantFilters
{
    /// <summary>null for an empty filter.</summary>
    public static Filter? From(FeatureFilter f)
    {
        if (f.IsEmpty) return null;
        var q = new Filter();
        void Keyword(string field, string? v) { if (v is not null) q.Must.Add(MatchKeyword(field, v)); }
        Keyword(F.SaeId, f.SaeId); Keyword(F.SaeName, f.SaeName); Keyword(F.ModelId, f.ModelId); Keyword(F.ModelName, f.ModelName);
        Keyword(F.Hook, f.Hook); Keyword(F.ScoreMethod, f.ScoreMethod); Keyword(F.RunId, f.RunId);
        if (f.Layer is { } l) q.Must.Add(Match(F.Layer, (long)l));
        if (f.Labeled is { } b) q.Must.Add(Match(F.Labeled, b));
        if (Bounds(f.MinScore, f.MaxScore) is { } s) q.Must.Add(Range(F.Score, s));
        if (Bounds(f.MinDensity, f.MaxDensity) is { } d) q.Must.Add(Range(F.Density, d));
        if (f.Exclude is { Count: > 0 } ex) q.MustNot.Add(HasId(ex.Select(k => k.PointId).ToList()));
        return q;
    }

    private static QRange? Bounds(double? min, double? max)
    {
        if (min is null && max is null) return null;
        var r = new QRange();
        if (min is { } a) r.Gte = a;
        if (max is { } b) r.Lte = b;
        return r;
    }
}

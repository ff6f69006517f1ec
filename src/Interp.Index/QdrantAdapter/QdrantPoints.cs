// StoredPoint to Qdrant's PointStruct (named vectors `explanation` and `decoder`, the payload fields of FeaturePayload
// plus the record JSON) and back. A missing score or density is left out of the payload, never written as a number.
using Google.Protobuf.Collections;
using Interp.Index.Stores;
using Qdrant.Client.Grpc;
using F = Interp.Index.FeaturePayload.Fields;

namespace Interp.Index.QdrantAdapter;

internal static class QdrantPoints
{
    public const string ExplanationVector = "explanation", DecoderVector = "decoder";

    public static string VectorName(VectorKind kind) => kind == VectorKind.Explanation ? ExplanationVector : DecoderVector;

    public static PointStruct ToPoint(StoredPoint p)
    {
        var vectors = new Dictionary<string, float[]>();
        if (p.Explanation is not null) vectors[ExplanationVector] = p.Explanation;
        if (p.Decoder is not null) vectors[DecoderVector] = p.Decoder;
        var pl = p.Payload;
        var point = new PointStruct { Id = new PointId { Uuid = FeaturePointId.Text(p.Id) }, Vectors = vectors };
        var m = point.Payload;
        m[F.SaeId] = pl.SaeId; m[F.SaeName] = pl.SaeName; m[F.ModelId] = pl.ModelId; m[F.ModelName] = pl.ModelName; m[F.Hook] = pl.Hook;
        m[F.Layer] = pl.Layer; m[F.Feature] = pl.Feature; m[F.Labeled] = pl.Labeled; m[F.RunId] = pl.RunId; m[F.Explanation] = pl.Explanation;
        if (pl.Score is { } s) m[F.Score] = s;
        if (pl.ScoreMethod is { } sm) m[F.ScoreMethod] = sm;
        if (pl.Density is { } d) m[F.Density] = d;
        m[F.Record] = p.RecordJson;
        m[F.SchemaVersion] = FeatureIndex.SchemaVersion;
        return point;
    }

    public static Guid Id(PointId id) => id.PointIdOptionsCase == PointId.PointIdOptionsOneofCase.Uuid && Guid.TryParse(id.Uuid, out var g) ? g
        : throw new FeatureIndexException($"the collection holds a point with id {id} that is not an Interp feature id (a UUID); " +
            "keep Interp's features in a collection of their own (Index:Qdrant:Collection).");

    public static string Record(MapField<string, Value> payload, PointId id) =>
        payload.TryGetValue(F.Record, out var v) && v.KindCase == Value.KindOneofCase.StringValue ? v.StringValue
            : throw new FeatureIndexException($"point {id} has no '{F.Record}' payload: it was not written by Interp; " +
                "keep Interp's features in a collection of their own (Index:Qdrant:Collection).");

    /// <summary>A named vector's floats from a point read back (dense, in the new or the deprecated field).</summary>
    public static float[]? Vector(VectorsOutput? vectors, string name)
    {
        if (vectors?.Vectors is null || !vectors.Vectors.Vectors.TryGetValue(name, out var v)) return null;
        if (v.VectorCase == VectorOutput.VectorOneofCase.Dense) return v.Dense.Data.ToArray();
#pragma warning disable CS0612   // servers before the `dense` field send the floats in the deprecated `data`
        return v.Data.ToArray();
#pragma warning restore CS0612
    }

    /// <summary>Asks for the record JSON only (not the filter fields, not the vectors).</summary>
    public static WithPayloadSelector RecordOnly() => new() { Include = new PayloadIncludeSelector { Fields = { F.Record } } };
}

// The filterable fields of a FeatureRecord, derived in one place for every store: the payload Qdrant indexes and the
// columns the embedded store filters on. The full record travels beside it as JSON (FeatureRecordJson).
using Interp.Index.Records;

namespace Interp.Index;

/// <param name="Score">the headline score: the first entry of FeatureRecord.Scores (labeling runs list their primary
/// method first); null when the feature has no score</param>
/// <param name="ScoreMethod">that score's method</param>
/// <param name="Density">FeatureStats.Density; null without statistics</param>
/// <param name="Explanation">the explanations' texts joined by "; " (what the explanation vector embeds); "" when unlabeled</param>
public sealed record FeaturePayload(string SaeId, string SaeName, string ModelId, string ModelName, string Hook, int Layer, int Feature,
    double? Score, string? ScoreMethod, double? Density, bool Labeled, string RunId, string Explanation)
{
    /// <summary>Payload field names, as stored in Qdrant and as the embedded store's columns.</summary>
    public static class Fields
    {
        public const string SaeId = "sae_id", SaeName = "sae_name", ModelId = "model_id", ModelName = "model_name", Hook = "hook",
            Layer = "layer", Feature = "feature", Score = "score", ScoreMethod = "score_method", Density = "density",
            Labeled = "labeled", RunId = "run_id", Explanation = "explanation", Record = "record", SchemaVersion = "schema_version";
    }

    public static FeaturePayload From(FeatureRecord r)
    {
        var headline = r.Scores.Count > 0 ? r.Scores[0] : null;
        return new FeaturePayload(r.Sae.Id, r.Sae.Name, r.Model.Id, r.Model.Name, r.Sae.HookName, r.Sae.Layer, r.Feature,
            headline?.Value, headline?.Method, r.Stats?.Density, r.IsLabeled, r.Provenance.RunId, ExplanationText(r));
    }

    /// <summary>The text whose embedding is the feature's explanation vector: every explanation, in order, joined by "; ".</summary>
    public static string ExplanationText(FeatureRecord r) => string.Join("; ", r.Explanations.Select(e => e.Text.Trim()));
}

// What a labeling run was made from and with: model and SAE identities, the cache it read, the features, the explainer,
// the scorers, the example settings and the prompt versions. Stored in the run store; a resumed run must present the
// same settings (paths may move, identities and settings may not), and the first difference is named.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Explainers;
using Interp.Agent.Labeling.Examples;
using Interp.Index.Records;

namespace Interp.Agent.Labeling.Store;

/// <param name="CacheIdentity">the cache's SAE and corpus fingerprints, hook, context length and size: what the examples
/// depend on</param>
/// <param name="Shuffled">methods also scored on another feature's examples (the sanity score)</param>
/// <param name="Clusters">k of the multi-concept explainer (0 = one label per feature)</param>
/// <param name="Prompts">template → "name@version" of the prompts an LLM run sends (empty offline: no prompt is used)</param>
/// <param name="LlmModel">the endpoint's model for LLM stages; null offline</param>
public sealed record RunManifest(
    string ModelDir, ModelIdentity Model, string SaeDir, SaeIdentity Sae, string CachePath,
    IReadOnlyDictionary<string, string> CacheIdentity, IReadOnlyList<int> Features, string Explainer, IReadOnlyList<string> Scorers,
    IReadOnlyList<string> Shuffled, ExampleOptions Examples, OfflineExplainerOptions Offline, int Clusters, int Resamples,
    IReadOnlyDictionary<string, string> Prompts, string? LlmModel)
{
    private static readonly string[] PathFields = ["model_dir", "sae_dir", "cache_path"];

    /// <summary>The stage names every feature has, in the order they run.</summary>
    public IReadOnlyList<string> Stages() =>
        [StageNames.Evidence, StageNames.Explain, .. Scorers.Select(StageNames.Score), .. Shuffled.Select(StageNames.ShuffledScore)];

    public string ToJson() => JsonSerializer.Serialize(this, RunJson.Options);

    public static RunManifest FromJson(string json) =>
        JsonSerializer.Deserialize<RunManifest>(json, RunJson.Options) ?? throw new InvalidDataException("the run manifest is JSON null.");

    /// <summary>The first setting (JSON path) in which <paramref name="other"/> differs from this manifest, ignoring
    /// paths; null when the two describe the same run.</summary>
    public string? FirstDifference(RunManifest other)
    {
        var a = JsonNode.Parse(ToJson())!.AsObject();
        var b = JsonNode.Parse(other.ToJson())!.AsObject();
        foreach (var p in PathFields) { a.Remove(p); b.Remove(p); }
        return Diff(a, b, "");
    }

    private static string? Diff(JsonNode? a, JsonNode? b, string path)
    {
        if (a is JsonObject oa && b is JsonObject ob)
        {
            foreach (var key in oa.Select(kv => kv.Key).Union(ob.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
                if (Diff(oa[key], ob[key], path.Length == 0 ? key : $"{path}.{key}") is { } d) return d;
            return null;
        }
        return JsonNode.DeepEquals(a, b) ? null : $"{path} (stored {Short(a)}, given {Short(b)})";
    }

    private static string Short(JsonNode? n)
    {
        var s = n?.ToJsonString() ?? "absent";
        return s.Length > 80 ? s[..77] + "..." : s;
    }
}

public static class StageNames
{
    public const string Evidence = "evidence", Explain = "explain";
    public static string Score(string method) => "score:" + method;
    public static string ShuffledScore(string method) => "score:" + method + Scoring.ScoreMethods.ShuffledSuffix;
    public static bool IsScore(string stage) => stage.StartsWith("score:", StringComparison.Ordinal);
}

/// <summary>The one serializer of everything the run store holds (the FeatureRecord contract's settings).</summary>
public static class RunJson
{
    public static readonly JsonSerializerOptions Options = FeatureRecordJson.Options;

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json, string what) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"the run store holds JSON null for {what}.");
}

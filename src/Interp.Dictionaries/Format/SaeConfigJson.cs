// Reads and writes SAELens's cfg.json through the one config serializer (Interp.Config.ConfigJson). Reads the flat v6
// layout, v6's nested "metadata" (or "meta") object, and the older spellings (hook_point, hook_point_layer,
// hook_point_head_index, activation_fn_str with activation_fn_kwargs, boolean normalize_activations). Writes v6 names
// flat and the metadata keys again in a "metadata" object. Keys SAELens writes that are not interpreted here
// (SaeLensKeys) and everything under "metadata" survive a round trip; any other key is an error naming the nearest.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Config;
using Interp.Errors;
using Interp.Tensors.IO;

namespace Interp.Dictionaries;

/// <summary>The keys of cfg.json this project interprets, as the serializer reads them (after old spellings are renamed
/// and the metadata object is lifted).</summary>
public sealed record SaeCfgFile
{
    public string? Architecture { get; init; }
    public int? DIn { get; init; }
    public int? DSae { get; init; }
    public double? ExpansionFactor { get; init; }
    public SaeDType? Dtype { get; init; }
    public string? Device { get; init; }
    public bool? ApplyBDecToInput { get; init; }
    /// <summary>A string, or (older SAELens) true / false.</summary>
    public JsonElement? NormalizeActivations { get; init; }
    public double? NormScalingFactor { get; init; }
    public SaeReshape? ReshapeActivations { get; init; }
    public double? K { get; init; }
    public string? HookName { get; init; }
    public int? HookLayer { get; init; }
    public int? HookHeadIndex { get; init; }
    public string? ModelName { get; init; }
    public int? ContextSize { get; init; }
    public bool? PrependBos { get; init; }
    public string? DatasetPath { get; init; }
    public string? ActivationFn { get; init; }
    public Dictionary<string, JsonElement>? ActivationFnKwargs { get; init; }
    public bool? RescaleActsByDecoderNorm { get; init; }
    public bool? FinetuningScalingFactor { get; init; }
}

public static class SaeConfigJson
{
    public const string FileName = "cfg.json";

    private static readonly Dictionary<string, string> OldSpellings = new(StringComparer.Ordinal)
    {
        ["hook_point"] = "hook_name",
        ["hook_point_layer"] = "hook_layer",
        ["hook_point_head_index"] = "hook_head_index",
        ["activation_fn_str"] = "activation_fn",
    };

    private static readonly HashSet<string> Interpreted = ConfigJson.Options.GetTypeInfo(typeof(SaeCfgFile)).Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>What cfg.json asks of the weights beyond the config: folds the loader performs once.</summary>
    public sealed record LoadFlags(bool RescaleActsByDecoderNorm, bool FinetuningScalingFactor);

    public static SaeConfig Read(string path) => Parse(InputFiles.ReadAllText(path, FileName), path).cfg;

    /// <summary>Parses cfg.json text; <paramref name="source"/> names it in error messages. Throws ConfigException.</summary>
    public static (SaeConfig cfg, LoadFlags flags) Parse(string json, string source)
    {
        JsonObject obj;
        using (var doc = ConfigJson.ParseDocument(json, source))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(source, "must hold a JSON object of SAE settings", null);
            obj = JsonNode.Parse(doc.RootElement.GetRawText())!.AsObject();
        }
        var (keys, nested) = Flatten(obj, source);
        if (keys.GetValueOrDefault("dtype") is JsonValue dv && dv.TryGetValue<string>(out var ds) && ds.StartsWith("torch.", StringComparison.Ordinal)) keys["dtype"] = ds["torch.".Length..];
        var flat = new JsonObject();
        foreach (var (key, value) in keys) flat[key] = value?.DeepClone();
        var f = ConfigJson.FromNode<SaeCfgFile>(flat, source, new ConfigRules(new HashSet<string>(SaeLensKeys.Kept.Concat(nested), StringComparer.Ordinal), "an SAELens cfg.json"));

        double? k = f.K;
        if (f.ActivationFnKwargs is { } kw && kw.TryGetValue("k", out var kNode))
        {
            if (kNode.ValueKind != JsonValueKind.Number) throw Bad(source, $"has activation_fn_kwargs.k = {kNode.GetRawText()}; expected a number", "activation_fn_kwargs.k");
            double kk = kNode.GetDouble();
            if (k is { } k0 && k0 != kk) throw Bad(source, $"gives k = {k0} and activation_fn_kwargs.k = {kk}; keep one", "k");
            k = kk;
        }
        // pre-6 SAELens wrote TopK SAEs as architecture "standard" with activation_fn_str "topk"
        string? arch = f.Architecture, actFn = f.ActivationFn;
        if (actFn is not null && actFn != "relu" && actFn != "topk")
            throw Bad(source, $"has activation_fn '{actFn}', which is not supported", "activation_fn", "supported: relu (standard/jumprelu) and topk");
        if (arch is null or "standard" && actFn == "topk") arch = "topk";
        arch ??= "standard";

        int dIn = f.DIn ?? throw Bad(source, "has no d_in (the width of the activation the SAE reads)", "d_in");
        int? dSaeN = f.DSae;
        if (dSaeN is null && f.ExpansionFactor is { } ef)
        {
            double d = Math.Round(ef * dIn);
            if (!(d >= 1 && d <= int.MaxValue)) throw Bad(source, $"has expansion_factor = {ef}, giving d_sae = {d}", "expansion_factor", "d_sae must be from 1 to 2147483647");
            dSaeN = (int)d;
        }
        int dSae = dSaeN ?? throw Bad(source, "has no d_sae (the number of features)", "d_sae");
        if (dIn <= 0 || dSae <= 0) throw Bad(source, $"has d_in = {dIn}, d_sae = {dSae}; both must be positive", dIn <= 0 ? "d_in" : "d_sae");
        if (f.NormScalingFactor is { } s && !(s > 0)) throw Bad(source, $"has norm_scaling_factor = {s}; it must be a positive number", "norm_scaling_factor");
        if (f.HookHeadIndex is < 0) throw Bad(source, $"has hook_head_index = {f.HookHeadIndex}; it must be >= 0", "hook_head_index");

        var norm = Normalization(f.NormalizeActivations, source);
        string hook = f.HookName ?? "";
        var reshape = f.ReshapeActivations ?? SaeReshape.None;
        if (reshape == SaeReshape.HookZ && !hook.EndsWith("hook_z", StringComparison.Ordinal))
            throw Bad(source, $"has reshape_activations \"hook_z\" but hook_name \"{hook}\" is not an attention hook_z", "reshape_activations",
                "hook_z reshaping flattens [.., heads, d_head]; use \"none\" for this hook (or fix hook_name)");
        if (reshape == SaeReshape.HookZ && f.HookHeadIndex is { } hi)
            throw Bad(source, $"has reshape_activations \"hook_z\" and hook_head_index {hi}; an SAE reads either all heads flattened or one head", "reshape_activations",
                "keep one");

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        var metaExtra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, node) in keys)
            if (!Interpreted.Contains(key)) (nested.Contains(key) ? metaExtra : extra)[key] = node?.ToJsonString() ?? "null";

        var cfg = new SaeConfig
        {
            Architecture = arch, DIn = dIn, DSae = dSae, DType = f.Dtype ?? SaeDType.Float32, Device = f.Device ?? "cpu",
            ApplyBDecToInput = f.ApplyBDecToInput ?? true, NormalizeActivations = norm, NormScalingFactor = f.NormScalingFactor,
            ReshapeActivations = reshape, K = k, HookName = hook, HookLayer = f.HookLayer, HookHeadIndex = f.HookHeadIndex,
            ModelName = f.ModelName, ContextSize = f.ContextSize, PrependBos = f.PrependBos, DatasetPath = f.DatasetPath,
            Extra = extra, MetadataExtra = metaExtra,
        };
        return (cfg, new LoadFlags(f.RescaleActsByDecoderNorm ?? false, f.FinetuningScalingFactor ?? false));
    }

    /// <summary>normalize_activations: "none" / "expected_average_only_in", or older SAELens's true / false.</summary>
    private static SaeNormalization Normalization(JsonElement? e, string source) => e switch
    {
        null or { ValueKind: JsonValueKind.Null } or { ValueKind: JsonValueKind.False } => SaeNormalization.None,
        { ValueKind: JsonValueKind.True } => SaeNormalization.ExpectedAverageOnlyIn,
        { ValueKind: JsonValueKind.String } s => s.GetString() switch
        {
            "none" => SaeNormalization.None,
            "expected_average_only_in" => SaeNormalization.ExpectedAverageOnlyIn,
            var other => throw Bad(source, $"has normalize_activations \"{other}\", which is not supported", "normalize_activations",
                "supported: \"none\", \"expected_average_only_in\""),
        },
        { } x => throw Bad(source, $"has normalize_activations = {x.GetRawText()}; expected a string", "normalize_activations", "e.g. \"none\""),
    };

    /// <summary>The flat cfg.json text for <paramref name="cfg"/> (architecture as given: callers pass the saved name).</summary>
    public static string Write(SaeConfig cfg)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("architecture", cfg.Architecture);
            w.WriteNumber("d_in", cfg.DIn);
            w.WriteNumber("d_sae", cfg.DSae);
            w.WriteString("dtype", ConfigJson.EnumName(cfg.DType));
            w.WriteString("device", cfg.Device);
            w.WriteBoolean("apply_b_dec_to_input", cfg.ApplyBDecToInput);
            w.WriteString("normalize_activations", ConfigJson.EnumName(cfg.NormalizeActivations));
            if (cfg.NormScalingFactor is { } s) w.WriteNumber("norm_scaling_factor", s);
            w.WriteString("reshape_activations", ConfigJson.EnumName(cfg.ReshapeActivations));
            if (cfg.K is { } k)
            {
                if (k == Math.Floor(k) && Math.Abs(k) < int.MaxValue) w.WriteNumber("k", (long)k); else w.WriteNumber("k", k);
            }
            WriteMetadata(w, cfg, withExtra: false);
            foreach (var (key, raw) in cfg.Extra.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                w.WritePropertyName(key);
                using var doc = JsonDocument.Parse(raw);
                doc.RootElement.WriteTo(w);
            }
            w.WriteStartObject("metadata");
            WriteMetadata(w, cfg, withExtra: true);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteMetadata(Utf8JsonWriter w, SaeConfig cfg, bool withExtra)
    {
        w.WriteString("hook_name", cfg.HookName);
        if (cfg.HookLayer is { } hl) w.WriteNumber("hook_layer", hl);
        if (cfg.HookHeadIndex is { } hh) w.WriteNumber("hook_head_index", hh); else w.WriteNull("hook_head_index");
        if (cfg.ModelName is { } mn) w.WriteString("model_name", mn);
        if (cfg.ContextSize is { } cs) w.WriteNumber("context_size", cs);
        if (cfg.PrependBos is { } pb) w.WriteBoolean("prepend_bos", pb);
        if (cfg.DatasetPath is { } dp) w.WriteString("dataset_path", dp);
        if (!withExtra) return;
        foreach (var (key, raw) in cfg.MetadataExtra.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            w.WritePropertyName(key);
            using var doc = JsonDocument.Parse(raw);
            doc.RootElement.WriteTo(w);
        }
    }

    /// <summary>Top-level keys with old spellings renamed and a nested "metadata"/"meta" object lifted up (the names
    /// found only there are returned too).</summary>
    private static (Dictionary<string, JsonNode?> keys, HashSet<string> nestedOnly) Flatten(JsonObject obj, string source)
    {
        var keys = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var nestedOnly = new HashSet<string>(StringComparer.Ordinal);
        void Put(string key, JsonNode? value, string from)
        {
            string name = OldSpellings.GetValueOrDefault(key, key);
            if (keys.TryGetValue(name, out var prev))
            {
                if (JsonNode.DeepEquals(prev, value)) return;
                throw Bad(source, $"gives '{name}' twice with different values ({prev?.ToJsonString() ?? "null"} and {from}{key} = {value?.ToJsonString() ?? "null"})", name, "keep one");
            }
            keys[name] = value;
        }
        foreach (var (key, value) in obj)
        {
            if (key is "metadata" or "meta")
            {
                if (value is JsonObject or null) continue;
                throw Bad(source, $"has \"{key}\" = {value.ToJsonString()}; expected an object", key, "SAELens writes metadata as a JSON object");
            }
            Put(key, value, "");
        }
        foreach (var nested in new[] { "metadata", "meta" })
            if (obj[nested] is JsonObject meta)
                foreach (var (key, value) in meta)
                {
                    if (!keys.ContainsKey(OldSpellings.GetValueOrDefault(key, key))) nestedOnly.Add(OldSpellings.GetValueOrDefault(key, key));
                    Put(key, value, nested + ".");
                }
        return (keys, nestedOnly);
    }

    private static ConfigException Bad(string source, string what, string? key, string? hint = null) => new($"cfg.json {what}", source, key, hint);
}

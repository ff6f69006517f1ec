// Reads and writes SAELens's cfg.json. Reads the flat v6 layout, v6's nested "metadata" (or "meta") object, and the
// older spellings (hook_point, hook_point_layer, hook_point_head_index, activation_fn_str with activation_fn_kwargs,
// boolean normalize_activations). Writes v6 names flat (what SAELens reads from files without a version) and the
// metadata keys again in a "metadata" object (what it reads from v6 files). Unknown keys survive a round trip.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interp.Dictionaries;

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

    private static readonly HashSet<string> Consumed = new(StringComparer.Ordinal)
    {
        "architecture", "d_in", "d_sae", "dtype", "device", "apply_b_dec_to_input", "normalize_activations",
        "norm_scaling_factor", "reshape_activations", "k", "hook_name", "hook_layer", "hook_head_index", "model_name",
        "context_size", "prepend_bos", "dataset_path", "activation_fn", "activation_fn_kwargs", "expansion_factor",
        "rescale_acts_by_decoder_norm", "finetuning_scaling_factor",
    };

    private static readonly string[] DTypes = { "float32", "float64", "float16", "bfloat16" };

    /// <summary>What cfg.json asks of the weights beyond the config: folds the loader performs once.</summary>
    public sealed record LoadFlags(bool RescaleActsByDecoderNorm, bool FinetuningScalingFactor);

    public static SaeConfig Read(string path) => Parse(File.ReadAllText(path), path).cfg;

    /// <summary>Parses cfg.json text; <paramref name="source"/> names it in error messages.</summary>
    public static (SaeConfig cfg, LoadFlags flags) Parse(string json, string source)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw Bad(source, $"is not valid JSON ({e.Message})"); }
        if (root is not JsonObject obj) throw Bad(source, "must hold a JSON object of SAE settings");
        var (keys, nested) = Flatten(obj, source);

        string? arch = Str(keys, "architecture", source);
        string? actFn = Str(keys, "activation_fn", source);
        double? k = Num(keys, "k", source);
        if (keys.TryGetValue("activation_fn_kwargs", out var kw) && kw is JsonObject kwo && kwo["k"] is { } kNode)
        {
            double kk = NumOf(kNode, "activation_fn_kwargs.k", source);
            if (k is { } k0 && k0 != kk) throw Bad(source, $"gives k = {k0} and activation_fn_kwargs.k = {kk}; keep one");
            k = kk;
        }
        // pre-6 SAELens wrote TopK SAEs as architecture "standard" with activation_fn_str "topk"
        if (actFn is not null && actFn != "relu" && actFn != "topk")
            throw Bad(source, $"has activation_fn '{actFn}'; supported: relu (standard/jumprelu) and topk");
        if (arch is null or "standard" && actFn == "topk") arch = "topk";
        arch ??= "standard";

        int dIn = Int(keys, "d_in", source) ?? throw Bad(source, "has no d_in (the width of the activation the SAE reads)");
        int? dSaeN = Int(keys, "d_sae", source);
        if (dSaeN is null && Num(keys, "expansion_factor", source) is { } ef) dSaeN = checked((int)Math.Round(ef * dIn));
        int dSae = dSaeN ?? throw Bad(source, "has no d_sae (the number of features)");
        if (dIn <= 0 || dSae <= 0) throw Bad(source, $"has d_in = {dIn}, d_sae = {dSae}; both must be positive");

        string norm = keys.TryGetValue("normalize_activations", out var nn) ? nn switch
        {
            null => SaeConfig.NormNone,
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? SaeConfig.NormExpectedAverageOnlyIn : SaeConfig.NormNone,
            _ => Str(keys, "normalize_activations", source)!,
        } : SaeConfig.NormNone;

        string dtype = Str(keys, "dtype", source) ?? "float32";
        if (dtype.StartsWith("torch.", StringComparison.Ordinal)) dtype = dtype["torch.".Length..];
        if (!DTypes.Contains(dtype)) throw Bad(source, $"has dtype '{dtype}'; supported: {string.Join(", ", DTypes)}");

        string hook = Str(keys, "hook_name", source) ?? "";
        string reshape = Str(keys, "reshape_activations", source) ?? "none";

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        var metaExtra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, node) in keys)
            if (!Consumed.Contains(key)) (nested.Contains(key) ? metaExtra : extra)[key] = node?.ToJsonString() ?? "null";

        var cfg = new SaeConfig
        {
            Architecture = arch, DIn = dIn, DSae = dSae, DType = dtype,
            Device = Str(keys, "device", source) ?? "cpu",
            ApplyBDecToInput = Bool(keys, "apply_b_dec_to_input", source) ?? true,
            NormalizeActivations = norm,
            NormScalingFactor = Num(keys, "norm_scaling_factor", source),
            ReshapeActivations = reshape,
            K = k,
            HookName = hook,
            HookLayer = Int(keys, "hook_layer", source),
            HookHeadIndex = Int(keys, "hook_head_index", source),
            ModelName = Str(keys, "model_name", source),
            ContextSize = Int(keys, "context_size", source),
            PrependBos = Bool(keys, "prepend_bos", source),
            DatasetPath = Str(keys, "dataset_path", source),
            Extra = extra,
            MetadataExtra = metaExtra,
        };
        var flags = new LoadFlags(Bool(keys, "rescale_acts_by_decoder_norm", source) ?? false, Bool(keys, "finetuning_scaling_factor", source) ?? false);
        return (cfg, flags);
    }

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
            w.WriteString("dtype", cfg.DType);
            w.WriteString("device", cfg.Device);
            w.WriteBoolean("apply_b_dec_to_input", cfg.ApplyBDecToInput);
            w.WriteString("normalize_activations", cfg.NormalizeActivations);
            if (cfg.NormScalingFactor is { } s) w.WriteNumber("norm_scaling_factor", s);
            w.WriteString("reshape_activations", cfg.ReshapeActivations);
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
                throw Bad(source, $"gives '{name}' twice with different values ({prev?.ToJsonString() ?? "null"} and {from}{key} = {value?.ToJsonString() ?? "null"}); keep one");
            }
            keys[name] = value;
        }
        foreach (var (key, value) in obj)
            if (key is not ("metadata" or "meta") || value is not JsonObject) Put(key, value, "");
        foreach (var nested in new[] { "metadata", "meta" })
            if (obj[nested] is JsonObject meta)
                foreach (var (key, value) in meta)
                {
                    if (!keys.ContainsKey(OldSpellings.GetValueOrDefault(key, key))) nestedOnly.Add(OldSpellings.GetValueOrDefault(key, key));
                    Put(key, value, nested + ".");
                }
        return (keys, nestedOnly);
    }

    private static string? Str(Dictionary<string, JsonNode?> keys, string key, string source)
    {
        if (!keys.TryGetValue(key, out var n) || n is null) return null;
        if (n is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw Bad(source, $"has {key} = {n.ToJsonString()}; expected a string");
    }

    private static bool? Bool(Dictionary<string, JsonNode?> keys, string key, string source)
    {
        if (!keys.TryGetValue(key, out var n) || n is null) return null;
        if (n is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
        throw Bad(source, $"has {key} = {n.ToJsonString()}; expected true or false");
    }

    private static double? Num(Dictionary<string, JsonNode?> keys, string key, string source) =>
        keys.TryGetValue(key, out var n) && n is not null ? NumOf(n, key, source) : null;

    private static double NumOf(JsonNode n, string key, string source)
    {
        if (n is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d)) return d;
        throw Bad(source, $"has {key} = {n.ToJsonString()}; expected a number");
    }

    private static int? Int(Dictionary<string, JsonNode?> keys, string key, string source)
    {
        if (Num(keys, key, source) is not { } d) return null;
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) throw Bad(source, $"has {key} = {d}; expected an integer");
        return (int)d;
    }

    private static SaeFormatException Bad(string source, string what) => new($"{source} {what}.");
}

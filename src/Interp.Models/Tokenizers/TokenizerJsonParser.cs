// Reads a Hugging Face tokenizer.json into our pipeline components. Anything unsupported fails with the component
// kind, its "type", and the list of supported types. Not the file-locating logic (TokenizerLoader).
using System.Text.Json;

namespace Interp.Models.Tokenizers;

internal static class TokenizerJsonParser
{
    public static readonly string[] Models = ["BPE", "WordLevel"];
    public static readonly string[] NormalizerTypes = ["Sequence", "Prepend", "Replace", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Strip"];
    public static readonly string[] PreTokenizerTypes = ["ByteLevel", "Split", "Metaspace", "Sequence", "Whitespace", "WhitespaceSplit",
        "Digits", "Punctuation", "CharDelimiterSplit", "BertPreTokenizer"];
    public static readonly string[] DecoderTypes = ["ByteLevel", "Metaspace", "ByteFallback", "Fuse", "Strip", "Replace", "BPEDecoder", "Sequence"];
    public static readonly string[] PostProcessorTypes = ["TemplateProcessing", "ByteLevel", "RobertaProcessing", "BertProcessing", "Sequence"];

    public static Tokenizer Parse(JsonElement root, SpecialTokenNames? specials, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: expected a JSON object at the top of tokenizer.json, found {root.ValueKind}.");
        var normalizer = Optional(root, "normalizer") is { } n ? ParseNormalizer(n) : null;
        var preTokenizer = Optional(root, "pre_tokenizer") is { } p ? ParsePreTokenizer(p) : null;
        var model = ParseModel(Optional(root, "model") ?? throw new InvalidDataException($"{source}: tokenizer.json has no \"model\"."));
        var post = Optional(root, "post_processor") is { } pp ? ParsePostProcessor(pp) : null;
        var decoder = Optional(root, "decoder") is { } d ? ParseDecoder(d) : null;
        var added = new List<AddedToken>();
        if (Optional(root, "added_tokens") is { ValueKind: JsonValueKind.Array } arr)
            foreach (var t in arr.EnumerateArray())
                added.Add(new AddedToken(t.GetProperty("id").GetInt32(), t.GetProperty("content").GetString()!,
                    Bool(t, "special", false), Bool(t, "single_word", false), Bool(t, "lstrip", false), Bool(t, "rstrip", false),
                    Bool(t, "normalized", !Bool(t, "special", false))));
        return new Tokenizer(model, normalizer, preTokenizer, post, decoder, added, specials);
    }

    private static JsonElement? Optional(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static bool Bool(JsonElement o, string name, bool dflt) =>
        Optional(o, name) is { } v ? v.ValueKind == JsonValueKind.True : dflt;

    private static string? Str(JsonElement o, string name) => Optional(o, name)?.GetString();

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string TypeOf(JsonElement o, string kind) =>
        Str(o, "type") ?? throw new InvalidDataException($"{kind} has no \"type\" field: {Short(o)}");

    private static string Short(JsonElement o) { var s = o.GetRawText(); return s.Length > 200 ? s[..200] + "..." : s; }

    private static NotSupportedException Unsupported(string kind, string type, string[] supported) =>
        new($"{kind} type '{type}' is not supported; supported {kind} types: {string.Join(", ", supported)}.");

    private static char SingleChar(string? s, string what) =>
        s is { Length: 1 } ? s[0] : throw new NotSupportedException($"{what} must be a single UTF-16 char; found \"{s}\".");

    /// <summary>{"String": "x"} or {"Regex": "..."}.</summary>
    private static SplitPattern ParsePattern(JsonElement o)
    {
        var p = o.GetProperty("pattern");
        if (p.TryGetProperty("String", out var s)) return new LiteralPattern(s.GetString()!);
        if (p.TryGetProperty("Regex", out var r)) return new RegexPattern(r.GetString()!);
        throw new NotSupportedException($"pattern {Short(p)} is not supported; expected {{\"String\": ...}} or {{\"Regex\": ...}}.");
    }

    private static List<JsonElement> Items(JsonElement o, string name) =>
        Optional(o, name) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().ToList()
            : throw new InvalidDataException($"Sequence needs an array \"{name}\": {Short(o)}");

    internal static INormalizer ParseNormalizer(JsonElement o)
    {
        var type = TypeOf(o, "normalizer");
        return type switch
        {
            "Sequence" => new SequenceNormalizer(Items(o, "normalizers").Select(ParseNormalizer).ToList()),
            "Prepend" => new PrependNormalizer(Str(o, "prepend") ?? ""),
            "Replace" => new ReplaceNormalizer(ParsePattern(o), Str(o, "content") ?? ""),
            "NFC" or "NFD" or "NFKC" or "NFKD" => new UnicodeNormalizer(Enum.Parse<IcuNormalization.Form>(type)),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(Bool(o, "strip_left", true), Bool(o, "strip_right", true)),
            _ => throw Unsupported("normalizer", type, NormalizerTypes),
        };
    }

    private static PrependScheme Scheme(JsonElement o)
    {
        if (Str(o, "prepend_scheme") is { } s)
            return s switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                _ => throw new NotSupportedException($"Metaspace prepend_scheme '{s}' is not supported; supported: always, first, never."),
            };
        return Bool(o, "add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never; // older files
    }

    internal static IPreTokenizer ParsePreTokenizer(JsonElement o)
    {
        var type = TypeOf(o, "pre_tokenizer");
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(Items(o, "pretokenizers").Select(ParsePreTokenizer).ToList()),
            "ByteLevel" => new ByteLevelPreTokenizer(Bool(o, "add_prefix_space", true), Bool(o, "use_regex", true)),
            "Split" => new SplitPreTokenizer(ParsePattern(o), SplitPattern.ParseBehavior(Str(o, "behavior") ?? "Isolated"), Bool(o, "invert", false)),
            "Metaspace" => new MetaspacePreTokenizer(SingleChar(Str(o, "replacement") ?? "▁", "Metaspace replacement"), Scheme(o), Bool(o, "split", true)),
            "Whitespace" => SimplePreTokenizers.Whitespace(),
            "WhitespaceSplit" => SimplePreTokenizers.WhitespaceSplit(),
            "Digits" => SimplePreTokenizers.Digits(Bool(o, "individual_digits", false)),
            "Punctuation" => SimplePreTokenizers.Punctuation(SplitPattern.ParseBehavior(Str(o, "behavior") ?? "Isolated")),
            "CharDelimiterSplit" => SimplePreTokenizers.CharDelimiter(SingleChar(Str(o, "delimiter"), "CharDelimiterSplit delimiter")),
            "BertPreTokenizer" => SimplePreTokenizers.Bert(),
            _ => throw Unsupported("pre_tokenizer", type, PreTokenizerTypes),
        };
    }

    internal static IDecoder ParseDecoder(JsonElement o)
    {
        var type = TypeOf(o, "decoder");
        return type switch
        {
            "Sequence" => new SequenceDecoder(Items(o, "decoders").Select(ParseDecoder).ToList()),
            "ByteLevel" => new ByteLevelDecoder(),
            "Metaspace" => new MetaspaceDecoder(SingleChar(Str(o, "replacement") ?? "▁", "Metaspace replacement"), Scheme(o)),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(SingleChar(Str(o, "content") ?? " ", "Strip content"),
                Optional(o, "start")?.GetInt32() ?? 0, Optional(o, "stop")?.GetInt32() ?? 0),
            "Replace" => new ReplaceDecoder(ParsePattern(o), Str(o, "content") ?? ""),
            "BPEDecoder" => new BpeSuffixDecoder(Str(o, "suffix") ?? "</w>"),
            _ => throw Unsupported("decoder", type, DecoderTypes),
        };
    }

    internal static IPostProcessor ParsePostProcessor(JsonElement o)
    {
        var type = TypeOf(o, "post_processor");
        switch (type)
        {
            case "Sequence": return new SequencePostProcessor(Items(o, "processors").Select(ParsePostProcessor).ToList());
            case "ByteLevel": return new TemplatePostProcessor([], []);
            case "RobertaProcessing":
            case "BertProcessing":
                return new TemplatePostProcessor([o.GetProperty("cls")[1].GetInt32()], [o.GetProperty("sep")[1].GetInt32()]);
            case "TemplateProcessing":
            {
                var specials = new Dictionary<string, int[]>();
                if (Optional(o, "special_tokens") is { ValueKind: JsonValueKind.Object } st)
                    foreach (var kv in st.EnumerateObject())
                        specials[kv.Name] = kv.Value.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                List<int> prefix = [], suffix = [];
                bool seenSequence = false;
                foreach (var item in Items(o, "single"))
                {
                    if (item.TryGetProperty("Sequence", out _)) { seenSequence = true; continue; }
                    var name = item.TryGetProperty("SpecialToken", out var sp) ? sp.GetProperty("id").GetString()!
                        : throw new NotSupportedException($"TemplateProcessing item {Short(item)} is neither SpecialToken nor Sequence.");
                    var ids = specials.TryGetValue(name, out var v) ? v
                        : throw new InvalidDataException($"TemplateProcessing uses special token '{name}' that \"special_tokens\" does not define.");
                    (seenSequence ? suffix : prefix).AddRange(ids);
                }
                return new TemplatePostProcessor(prefix, suffix);
            }
            default: throw Unsupported("post_processor", type, PostProcessorTypes);
        }
    }

    internal static ITokenModel ParseModel(JsonElement o)
    {
        var type = Str(o, "type") ?? (o.TryGetProperty("merges", out _) ? "BPE" : "(missing)");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        if (Optional(o, "vocab") is { ValueKind: JsonValueKind.Object } v)
            foreach (var kv in v.EnumerateObject()) vocab[kv.Name] = kv.Value.GetInt32();
        else if (type is "BPE" or "WordLevel")
            throw new InvalidDataException($"{type} model needs a \"vocab\" object of token -> id.");
        switch (type)
        {
            case "BPE":
            {
                if (Optional(o, "dropout") is { } dr && dr.GetDouble() is > 0 and < 1)
                    throw new NotSupportedException($"BPE dropout {dr.GetDouble()} is not supported (encoding here is deterministic); set \"dropout\" to null.");
                var merges = new List<(string, string)>();
                if (Optional(o, "merges") is { ValueKind: JsonValueKind.Array } m)
                    foreach (var e in m.EnumerateArray()) merges.Add(ParseMerge(e, merges.Count));
                var options = new BpeOptions(Str(o, "unk_token"), NullIfEmpty(Str(o, "continuing_subword_prefix")), NullIfEmpty(Str(o, "end_of_word_suffix")),
                    Bool(o, "fuse_unk", false), Bool(o, "byte_fallback", false), Bool(o, "ignore_merges", false));
                return new BpeModel(vocab, merges, options);
            }
            case "WordLevel":
                return new WordLevelModel(vocab, Str(o, "unk_token")
                    ?? throw new InvalidDataException("WordLevel model needs \"unk_token\"."));
            default: throw Unsupported("model", type, Models);
        }
    }

    /// <summary>A merge as "a b" (split at the single space) or as ["a", "b"].</summary>
    internal static (string, string) ParseMerge(JsonElement e, int index)
    {
        if (e.ValueKind == JsonValueKind.String) return SplitMergeLine(e.GetString()!, index);
        if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2)
            return (e[0].GetString()!, e[1].GetString()!);
        throw new InvalidDataException($"BPE merge #{index} is {Short(e)}; expected \"a b\" or [\"a\", \"b\"].");
    }

    internal static (string, string) SplitMergeLine(string line, int index)
    {
        var parts = line.Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new InvalidDataException($"BPE merge #{index} \"{line}\" must be two tokens separated by one space.");
        return (parts[0], parts[1]);
    }
}

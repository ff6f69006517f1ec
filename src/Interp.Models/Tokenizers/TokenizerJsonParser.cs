// Builds our tokenizer pipeline from a tokenizer.json read as typed records (Json/TokenizerJsonSchema.cs) by the one
// config serializer, and checks what the serializer cannot: a non-empty vocabulary with unique, non-negative ids, added
// tokens that agree with it, merges of two tokens. Every problem is a ConfigException naming the file and the key.
// Not the file-locating logic (TokenizerLoader).
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Config;
using Interp.Errors;
using Interp.Models.Tokenizers.Json;

namespace Interp.Models.Tokenizers;

internal static class TokenizerJsonParser
{
    public static Tokenizer Parse(JsonElement root, SpecialTokenNames? specials, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new ConfigException($"tokenizer.json holds {(root.ValueKind == JsonValueKind.Array ? "an array" : "a " + root.ValueKind.ToString().ToLowerInvariant())}; expected a JSON object (a Hugging Face tokenizer.json)", source);
        // Old files leave out the BPE model's "type"; it is BPE when there are merges.
        var node = JsonNode.Parse(root.GetRawText())!.AsObject();
        if (node["model"] is JsonObject m && !m.ContainsKey("type") && m.ContainsKey("merges")) m["type"] = "BPE";
        var file = ConfigJson.FromNode<TokenizerFile>(node, source, new ConfigRules(What: "tokenizer.json"));
        try
        {
            var normalizer = file.Normalizer is { } n ? Normalizer(n) : null;
            var model = Model(file.Model, source);
            var added = AddedTokens(file.AddedTokens, model, source);
            return new Tokenizer(model, normalizer, file.PreTokenizer is { } p ? PreTokenizer(p) : null,
                file.PostProcessor is { } pp ? PostProcessor(pp, source) : null, file.Decoder is { } d ? Decoder(d) : null, added, specials);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidDataException or System.Text.RegularExpressions.RegexParseException)
        {
            throw new ConfigException(e.Message.TrimEnd('.'), source, null, null, e);
        }
    }

    private static SplitPattern Pattern(PatternJson p) =>
        p.String is { } s ? new LiteralPattern(s) : p.Regex is { } r ? new RegexPattern(r)
        : throw new ArgumentException("a pattern needs {\"String\": ...} or {\"Regex\": ...}");

    private static SplitBehavior Behavior(SplitBehaviorJson b) => (SplitBehavior)(int)b;

    private static char SingleChar(string s, string what) =>
        s.Length == 1 ? s[0] : throw new NotSupportedException($"{what} must be a single character; found \"{s}\"");

    private static PrependScheme Scheme(PrependSchemeJson? scheme, bool? addPrefixSpace) => scheme switch
    {
        PrependSchemeJson.Always => PrependScheme.Always,
        PrependSchemeJson.First => PrependScheme.First,
        PrependSchemeJson.Never => PrependScheme.Never,
        _ => addPrefixSpace ?? true ? PrependScheme.Always : PrependScheme.Never,   // older files
    };

    internal static INormalizer Normalizer(NormalizerJson n) => n switch
    {
        SequenceNormalizerJson s => new SequenceNormalizer(s.Normalizers.Select(Normalizer).ToList()),
        PrependNormalizerJson p => new PrependNormalizer(p.Prepend),
        ReplaceNormalizerJson r => new ReplaceNormalizer(Pattern(r.Pattern), r.Content),
        NfcJson => new UnicodeNormalizer(IcuNormalization.Form.NFC),
        NfdJson => new UnicodeNormalizer(IcuNormalization.Form.NFD),
        NfkcJson => new UnicodeNormalizer(IcuNormalization.Form.NFKC),
        NfkdJson => new UnicodeNormalizer(IcuNormalization.Form.NFKD),
        LowercaseJson => new LowercaseNormalizer(),
        StripNormalizerJson s => new StripNormalizer(s.StripLeft, s.StripRight),
        _ => throw new NotSupportedException($"normalizer {n.GetType().Name} is not supported"),
    };

    internal static IPreTokenizer PreTokenizer(PreTokenizerJson p) => p switch
    {
        SequencePreTokenizerJson s => new SequencePreTokenizer(s.Pretokenizers.Select(PreTokenizer).ToList()),
        ByteLevelJson b => new ByteLevelPreTokenizer(b.AddPrefixSpace, b.UseRegex),
        SplitJson s => new SplitPreTokenizer(Pattern(s.Pattern), Behavior(s.Behavior), s.Invert),
        MetaspaceJson m => new MetaspacePreTokenizer(SingleChar(m.Replacement, "Metaspace replacement"), Scheme(m.PrependScheme, m.AddPrefixSpace), m.Split),
        WhitespaceJson => SimplePreTokenizers.Whitespace(),
        WhitespaceSplitJson => SimplePreTokenizers.WhitespaceSplit(),
        DigitsJson d => SimplePreTokenizers.Digits(d.IndividualDigits),
        PunctuationJson q => SimplePreTokenizers.Punctuation(Behavior(q.Behavior)),
        CharDelimiterSplitJson c => SimplePreTokenizers.CharDelimiter(SingleChar(c.Delimiter, "CharDelimiterSplit delimiter")),
        BertPreTokenizerJson => SimplePreTokenizers.Bert(),
        _ => throw new NotSupportedException($"pre_tokenizer {p.GetType().Name} is not supported"),
    };

    internal static IDecoder Decoder(DecoderJson d) => d switch
    {
        SequenceDecoderJson s => new SequenceDecoder(s.Decoders.Select(Decoder).ToList()),
        ByteLevelDecoderJson => new ByteLevelDecoder(),
        MetaspaceDecoderJson m => new MetaspaceDecoder(SingleChar(m.Replacement, "Metaspace replacement"), Scheme(m.PrependScheme, m.AddPrefixSpace)),
        ByteFallbackJson => new ByteFallbackDecoder(),
        FuseJson => new FuseDecoder(),
        StripDecoderJson s => new StripDecoder(SingleChar(s.Content, "Strip content"), s.Start, s.Stop),
        ReplaceDecoderJson r => new ReplaceDecoder(Pattern(r.Pattern), r.Content),
        BpeDecoderJson b => new BpeSuffixDecoder(b.Suffix),
        _ => throw new NotSupportedException($"decoder {d.GetType().Name} is not supported"),
    };

    internal static IPostProcessor PostProcessor(PostProcessorJson p, string source) => p switch
    {
        SequenceProcessorJson s => new SequencePostProcessor(s.Processors.Select(x => PostProcessor(x, source)).ToList()),
        ByteLevelProcessorJson => new TemplatePostProcessor([], []),
        RobertaProcessingJson r => new TemplatePostProcessor([PairId(r.Cls, "cls", source)], [PairId(r.Sep, "sep", source)]),
        BertProcessingJson b => new TemplatePostProcessor([PairId(b.Cls, "cls", source)], [PairId(b.Sep, "sep", source)]),
        TemplateProcessingJson t => Template(t, source),
        _ => throw new NotSupportedException($"post_processor {p.GetType().Name} is not supported"),
    };

    /// <summary>The id of a ["token", id] pair.</summary>
    private static int PairId(List<JsonElement> pair, string key, string source) =>
        pair is [{ ValueKind: JsonValueKind.String }, var id] && id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out int v) && v >= 0 ? v
        : throw new ConfigException($"\"post_processor.{key}\" must be a [\"token\", id] pair", source, $"post_processor.{key}", "e.g. [\"</s>\", 2]");

    private static IPostProcessor Template(TemplateProcessingJson t, string source)
    {
        var specials = t.SpecialTokens ?? new Dictionary<string, TemplateSpecialJson>();
        List<int> prefix = [], suffix = [];
        bool seenSequence = false;
        foreach (var item in t.Single)
        {
            if (item.Sequence is not null) { seenSequence = true; continue; }
            var name = item.SpecialToken?.Id ?? throw new ConfigException("a \"post_processor.single\" item is neither SpecialToken nor Sequence", source, "post_processor.single");
            var ids = specials.TryGetValue(name, out var v) ? v.Ids
                : throw new ConfigException($"TemplateProcessing uses special token '{name}' that \"special_tokens\" does not define", source, "post_processor.special_tokens");
            (seenSequence ? suffix : prefix).AddRange(ids);
        }
        return new TemplatePostProcessor(prefix, suffix);
    }

    private static ITokenModel Model(ModelJson m, string source)
    {
        switch (m)
        {
            case BpeJson b:
                CheckVocab(b.Vocab, source, "model.vocab");
                if (b.Dropout is > 0 and < 1)
                    throw new ConfigException($"\"model.dropout\" is {b.Dropout}: BPE dropout is not supported (encoding here is deterministic)", source, "model.dropout", "set \"dropout\" to null");
                var merges = new List<(string, string)>();
                foreach (var e in b.Merges ?? []) merges.Add(ParseMerge(e, merges.Count, source));
                return new BpeModel(b.Vocab, merges, new BpeOptions(b.UnkToken, NullIfEmpty(b.ContinuingSubwordPrefix), NullIfEmpty(b.EndOfWordSuffix),
                    b.FuseUnk, b.ByteFallback, b.IgnoreMerges));
            case WordLevelJson w:
                CheckVocab(w.Vocab, source, "model.vocab");
                return new WordLevelModel(w.Vocab, w.UnkToken);
            default:
                throw new NotSupportedException($"model {m.GetType().Name} is not supported");
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>A vocabulary must map at least one token, with non-negative ids used once each.</summary>
    internal static void CheckVocab(IReadOnlyDictionary<string, int> vocab, string source, string key)
    {
        if (vocab.Count == 0)
            throw new ConfigException($"\"{key}\" is empty", source, key, "a tokenizer needs a vocabulary (token -> id); is this the right file?");
        var byId = new Dictionary<int, string>(vocab.Count);
        foreach (var (tok, id) in vocab)
        {
            if (id < 0) throw new ConfigException($"\"{key}\" gives token \"{tok}\" the negative id {id}", source, key, "ids must be >= 0");
            if (!byId.TryAdd(id, tok))
                throw new ConfigException($"\"{key}\" gives id {id} to two tokens, \"{byId[id]}\" and \"{tok}\"", source, key, "each id must name one token; the file is damaged or hand-edited");
        }
    }

    private static List<AddedToken> AddedTokens(List<AddedTokenJson>? tokens, ITokenModel model, string source)
    {
        var added = new List<AddedToken>();
        var ids = new Dictionary<int, string>();
        foreach (var (t, i) in (tokens ?? []).Select((t, i) => (t, i)))
        {
            string key = $"added_tokens[{i}]";
            if (t.Id < 0) throw new ConfigException($"\"{key}.id\" is {t.Id}; ids must be >= 0", source, key + ".id");
            if (t.Content.Length == 0) throw new ConfigException($"\"{key}.content\" is empty", source, key + ".content", "every added token needs text");
            if (!ids.TryAdd(t.Id, t.Content))
                throw new ConfigException($"\"{key}\" reuses id {t.Id} of the added token \"{ids[t.Id]}\"", source, key + ".id", "each id must name one token");
            if (model.IdToToken(t.Id) is { } inVocab && inVocab != t.Content)
                throw new ConfigException($"\"{key}\" gives id {t.Id} to \"{t.Content}\", but the vocabulary has \"{inVocab}\" there", source, key + ".id",
                    "an added token must use a new id or its own vocabulary id");
            added.Add(new AddedToken(t.Id, t.Content, t.Special, t.SingleWord, t.Lstrip, t.Rstrip, t.Normalized ?? !t.Special));
        }
        return added;
    }

    /// <summary>A merge as "a b" (split at the single space) or as ["a", "b"].</summary>
    private static (string, string) ParseMerge(JsonElement e, int index, string source)
    {
        if (e.ValueKind == JsonValueKind.String) return SplitMergeLine(e.GetString()!, index);
        if (e is { ValueKind: JsonValueKind.Array } && e.GetArrayLength() == 2 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.String)
            return (e[0].GetString()!, e[1].GetString()!);
        throw new ConfigException($"\"model.merges[{index}]\" is {Short(e)}; expected \"a b\" or [\"a\", \"b\"]", source, $"model.merges[{index}]");
    }

    internal static (string, string) SplitMergeLine(string line, int index)
    {
        var parts = line.Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new InvalidDataException($"BPE merge #{index} \"{line}\" must be two tokens separated by one space.");
        return (parts[0], parts[1]);
    }

    private static string Short(JsonElement o) { var s = o.GetRawText(); return s.Length > 80 ? s[..80] + "..." : s; }
}

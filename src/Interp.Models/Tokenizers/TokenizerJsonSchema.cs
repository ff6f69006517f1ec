// Hugging Face tokenizer.json as typed records, read by the one config serializer (Interp.Config.ConfigJson): the
// component kinds this project implements, each a record per "type" with the keys tokenizers writes. An unknown type is
// "not supported" with the list; an unknown key names the nearest known one. Building the pipeline is TokenizerJsonParser.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interp.Models.Tokenizers.Json;

public sealed record TokenizerFile
{
    public string? Version { get; init; }
    /// <summary>Encode-time truncation and padding of HF's fast tokenizers; Interp never truncates or pads silently
    /// (see --truncate), so these are read and ignored.</summary>
    public JsonElement? Truncation { get; init; }
    public JsonElement? Padding { get; init; }
    public List<AddedTokenJson>? AddedTokens { get; init; }
    public NormalizerJson? Normalizer { get; init; }
    public PreTokenizerJson? PreTokenizer { get; init; }
    public required ModelJson Model { get; init; }
    public PostProcessorJson? PostProcessor { get; init; }
    public DecoderJson? Decoder { get; init; }
}

public sealed record AddedTokenJson
{
    public required int Id { get; init; }
    public required string Content { get; init; }
    public bool SingleWord { get; init; }
    public bool Lstrip { get; init; }
    public bool Rstrip { get; init; }
    /// <summary>Default: the opposite of special.</summary>
    public bool? Normalized { get; init; }
    public bool Special { get; init; }
}

/// <summary>{"String": "x"} or {"Regex": "..."} (tokenizers spells these two keys with capitals).</summary>
public sealed record PatternJson
{
    [JsonPropertyName("String")] public string? String { get; init; }
    [JsonPropertyName("Regex")] public string? Regex { get; init; }
}

public enum SplitBehaviorJson
{
    [JsonStringEnumMemberName("Removed")] Removed,
    [JsonStringEnumMemberName("Isolated")] Isolated,
    [JsonStringEnumMemberName("MergedWithPrevious")] MergedWithPrevious,
    [JsonStringEnumMemberName("MergedWithNext")] MergedWithNext,
    [JsonStringEnumMemberName("Contiguous")] Contiguous,
}

public enum PrependSchemeJson { Always, First, Never }

// ---- normalizers ----------------------------------------------------------------------------------------------------
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SequenceNormalizerJson), "Sequence")]
[JsonDerivedType(typeof(PrependNormalizerJson), "Prepend")]
[JsonDerivedType(typeof(ReplaceNormalizerJson), "Replace")]
[JsonDerivedType(typeof(NfcJson), "NFC")]
[JsonDerivedType(typeof(NfdJson), "NFD")]
[JsonDerivedType(typeof(NfkcJson), "NFKC")]
[JsonDerivedType(typeof(NfkdJson), "NFKD")]
[JsonDerivedType(typeof(LowercaseJson), "Lowercase")]
[JsonDerivedType(typeof(StripNormalizerJson), "Strip")]
public abstract record NormalizerJson;
public sealed record SequenceNormalizerJson(List<NormalizerJson> Normalizers) : NormalizerJson;
public sealed record PrependNormalizerJson(string Prepend) : NormalizerJson;
public sealed record ReplaceNormalizerJson(PatternJson Pattern, string Content) : NormalizerJson;
public sealed record NfcJson : NormalizerJson;
public sealed record NfdJson : NormalizerJson;
public sealed record NfkcJson : NormalizerJson;
public sealed record NfkdJson : NormalizerJson;
public sealed record LowercaseJson : NormalizerJson;
public sealed record StripNormalizerJson(bool StripLeft = true, bool StripRight = true) : NormalizerJson;

// ---- pre-tokenizers -------------------------------------------------------------------------------------------------
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SequencePreTokenizerJson), "Sequence")]
[JsonDerivedType(typeof(ByteLevelJson), "ByteLevel")]
[JsonDerivedType(typeof(SplitJson), "Split")]
[JsonDerivedType(typeof(MetaspaceJson), "Metaspace")]
[JsonDerivedType(typeof(WhitespaceJson), "Whitespace")]
[JsonDerivedType(typeof(WhitespaceSplitJson), "WhitespaceSplit")]
[JsonDerivedType(typeof(DigitsJson), "Digits")]
[JsonDerivedType(typeof(PunctuationJson), "Punctuation")]
[JsonDerivedType(typeof(CharDelimiterSplitJson), "CharDelimiterSplit")]
[JsonDerivedType(typeof(BertPreTokenizerJson), "BertPreTokenizer")]
public abstract record PreTokenizerJson;
public sealed record SequencePreTokenizerJson(List<PreTokenizerJson> Pretokenizers) : PreTokenizerJson;
/// <summary>ByteLevel is one record for pre-tokenizer, decoder and post-processor (the same keys in all three).</summary>
public sealed record ByteLevelJson(bool AddPrefixSpace = true, bool TrimOffsets = true, bool UseRegex = true) : PreTokenizerJson;
public sealed record SplitJson(PatternJson Pattern, SplitBehaviorJson Behavior = SplitBehaviorJson.Isolated, bool Invert = false) : PreTokenizerJson;
/// <summary>prepend_scheme is the current key; add_prefix_space the older one (true = always).</summary>
public sealed record MetaspaceJson(string Replacement = "▁", bool? AddPrefixSpace = null, PrependSchemeJson? PrependScheme = null, bool Split = true,
    string? StrRep = null) : PreTokenizerJson;
public sealed record WhitespaceJson : PreTokenizerJson;
public sealed record WhitespaceSplitJson : PreTokenizerJson;
public sealed record DigitsJson(bool IndividualDigits = false) : PreTokenizerJson;
public sealed record PunctuationJson(SplitBehaviorJson Behavior = SplitBehaviorJson.Isolated) : PreTokenizerJson;
public sealed record CharDelimiterSplitJson(string Delimiter) : PreTokenizerJson;
public sealed record BertPreTokenizerJson : PreTokenizerJson;

// ---- decoders -------------------------------------------------------------------------------------------------------
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SequenceDecoderJson), "Sequence")]
[JsonDerivedType(typeof(ByteLevelDecoderJson), "ByteLevel")]
[JsonDerivedType(typeof(MetaspaceDecoderJson), "Metaspace")]
[JsonDerivedType(typeof(ByteFallbackJson), "ByteFallback")]
[JsonDerivedType(typeof(FuseJson), "Fuse")]
[JsonDerivedType(typeof(StripDecoderJson), "Strip")]
[JsonDerivedType(typeof(ReplaceDecoderJson), "Replace")]
[JsonDerivedType(typeof(BpeDecoderJson), "BPEDecoder")]
public abstract record DecoderJson;
public sealed record SequenceDecoderJson(List<DecoderJson> Decoders) : DecoderJson;
public sealed record ByteLevelDecoderJson(bool AddPrefixSpace = true, bool TrimOffsets = true, bool UseRegex = true) : DecoderJson;
public sealed record MetaspaceDecoderJson(string Replacement = "▁", bool? AddPrefixSpace = null, PrependSchemeJson? PrependScheme = null, bool Split = true,
    string? StrRep = null) : DecoderJson;
public sealed record ByteFallbackJson : DecoderJson;
public sealed record FuseJson : DecoderJson;
public sealed record StripDecoderJson(string Content = " ", int Start = 0, int Stop = 0) : DecoderJson;
public sealed record ReplaceDecoderJson(PatternJson Pattern, string Content) : DecoderJson;
public sealed record BpeDecoderJson(string Suffix = "</w>") : DecoderJson;

// ---- post-processors ------------------------------------------------------------------------------------------------
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SequenceProcessorJson), "Sequence")]
[JsonDerivedType(typeof(ByteLevelProcessorJson), "ByteLevel")]
[JsonDerivedType(typeof(RobertaProcessingJson), "RobertaProcessing")]
[JsonDerivedType(typeof(BertProcessingJson), "BertProcessing")]
[JsonDerivedType(typeof(TemplateProcessingJson), "TemplateProcessing")]
public abstract record PostProcessorJson;
public sealed record SequenceProcessorJson(List<PostProcessorJson> Processors) : PostProcessorJson;
public sealed record ByteLevelProcessorJson(bool AddPrefixSpace = true, bool TrimOffsets = true, bool UseRegex = true) : PostProcessorJson;
/// <summary>sep and cls are ["token", id] pairs.</summary>
public sealed record RobertaProcessingJson(List<JsonElement> Sep, List<JsonElement> Cls, bool TrimOffsets = true, bool AddPrefixSpace = true) : PostProcessorJson;
public sealed record BertProcessingJson(List<JsonElement> Sep, List<JsonElement> Cls) : PostProcessorJson;
public sealed record TemplateProcessingJson(List<TemplatePieceJson> Single, JsonElement? Pair = null,
    Dictionary<string, TemplateSpecialJson>? SpecialTokens = null) : PostProcessorJson;
/// <summary>One item of a template: {"SpecialToken": {"id": "&lt;s&gt;", "type_id": 0}} or {"Sequence": {"id": "A", "type_id": 0}}.</summary>
public sealed record TemplatePieceJson
{
    [JsonPropertyName("SpecialToken")] public TemplateRefJson? SpecialToken { get; init; }
    [JsonPropertyName("Sequence")] public TemplateRefJson? Sequence { get; init; }
}
public sealed record TemplateRefJson(string Id, int TypeId = 0);
public sealed record TemplateSpecialJson(string Id, List<int> Ids, List<string>? Tokens = null);

// ---- models ---------------------------------------------------------------------------------------------------------
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(BpeJson), "BPE")]
[JsonDerivedType(typeof(WordLevelJson), "WordLevel")]
public abstract record ModelJson;
public sealed record BpeJson(Dictionary<string, int> Vocab, List<JsonElement>? Merges = null, double? Dropout = null, string? UnkToken = null,
    string? ContinuingSubwordPrefix = null, string? EndOfWordSuffix = null, bool FuseUnk = false, bool ByteFallback = false,
    bool IgnoreMerges = false) : ModelJson;
public sealed record WordLevelJson(Dictionary<string, int> Vocab, string UnkToken) : ModelJson;

// The tokenizer pipeline of HF tokenizers: added tokens -> normalizer -> pre-tokenizer -> model -> post-processor,
// and back through the decoder. Built by TokenizerLoader (tokenizer.json, or GPT-2 vocab.json + merges.txt).
using System.Text;

namespace Interp.Models.Tokenizers;

public sealed class Tokenizer : ITokenizer
{
    private readonly INormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly ITokenModel _model;
    private readonly IPostProcessor? _postProcessor;
    private readonly IDecoder? _decoder;
    private readonly AddedVocabulary _added;

    internal Tokenizer(ITokenModel model, INormalizer? normalizer, IPreTokenizer? preTokenizer, IPostProcessor? postProcessor,
        IDecoder? decoder, IEnumerable<AddedToken> addedTokens, SpecialTokenNames? specials = null)
    {
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _postProcessor = postProcessor;
        _decoder = decoder;
        _added = new AddedVocabulary(addedTokens, normalizer);
        VocabSize = Math.Max(model.MaxId, _added.MaxId) + 1;
        specials ??= new SpecialTokenNames();
        BosId = Resolve(specials.Bos) ?? (postProcessor?.PrefixIds.Count > 0 ? postProcessor.PrefixIds[0] : (int?)null)
            ?? FirstKnown("<|begin_of_text|>", "<s>", "<bos>", "[CLS]");
        EosId = Resolve(specials.Eos) ?? FirstKnown("<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>", "[SEP]");
        PadId = Resolve(specials.Pad) ?? FirstKnown("<pad>", "[PAD]", "<|pad|>", "<|finetune_right_pad_id|>");
    }

    private int? Resolve(string? token) => token is null ? null : TokenToId(token);

    private int? FirstKnown(params string[] tokens)
    {
        foreach (var t in tokens) if (TokenToId(t) is int id) return id;
        return null;
    }

    internal ITokenModel Model => _model;

    public int VocabSize { get; }
    public int? BosId { get; }
    public int? EosId { get; }
    public int? PadId { get; }

    /// <summary>The added tokens (special and not), e.g. for listing control tokens.</summary>
    public IReadOnlyCollection<AddedToken> AddedTokens => _added.Tokens;

    public int[] Encode(string text, bool addSpecialTokens = false) => EncodeWithOffsets(text, addSpecialTokens).Ids;

    public (int[] Ids, (int Start, int End)[] Offsets) EncodeWithOffsets(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var offsets = new List<(int Start, int End)>();
        var rawParts = new List<TextPart>();
        var normParts = new List<TextPart>();
        var modelTokens = new List<ModelToken>();
        void TokenizePiece(NormalizedText piece)
        {
            modelTokens.Clear();
            _model.Tokenize(piece.Text, modelTokens);
            foreach (var mt in modelTokens)
            {
                ids.Add(mt.Id);
                offsets.Add(piece.OriginalSpan(mt.Start, mt.End));
            }
        }
        _added.SplitRaw(text, rawParts);
        foreach (var part in rawParts)
        {
            if (part.Token is { } tok) { ids.Add(tok.Id); offsets.Add((part.Start, part.End)); continue; }
            var normalized = NormalizedText.FromOriginal(text, part.Start, part.End);
            if (_normalizer is not null) normalized = _normalizer.Normalize(normalized);
            normParts.Clear();
            _added.SplitNormalized(normalized.Text, normParts);
            foreach (var np in normParts)
            {
                if (np.Token is { } ntok) { ids.Add(ntok.Id); offsets.Add(normalized.OriginalSpan(np.Start, np.End)); continue; }
                var segment = normalized.Slice(np.Start, np.End);
                if (_preTokenizer is null) TokenizePiece(segment);
                else _preTokenizer.PreTokenize(segment, TokenizePiece);
            }
        }
        if (addSpecialTokens) _postProcessor?.AddSpecialTokens(ids, offsets);
        return (ids.ToArray(), offsets.ToArray());
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            var added = _added.ById(id);
            if (added is not null)
            {
                if (!(skipSpecialTokens && added.Special)) tokens.Add(added.Content);
                continue;
            }
            if (_model.IdToToken(id) is { } t) tokens.Add(t);
        }
        if (_decoder is null) return string.Join(" ", tokens);
        return string.Concat(_decoder.DecodeChain(tokens));
    }

    public string TokenToString(int id)
    {
        if (_added.ById(id) is { } added) return added.Content;
        var token = _model.IdToToken(id);
        if (token is null) return $"<unk:{id}>";
        return _decoder?.Display(token) ?? token;
    }

    public string? IdToToken(int id) => _added.ById(id)?.Content ?? _model.IdToToken(id);

    public int? TokenToId(string token) => _added.ByContent(token)?.Id ?? _model.TokenToId(token);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append($"Tokenizer({_model.GetType().Name}, vocab {VocabSize}, added {_added.Tokens.Count}");
        sb.Append($", bos {BosId?.ToString() ?? "-"}, eos {EosId?.ToString() ?? "-"}, pad {PadId?.ToString() ?? "-"})");
        return sb.ToString();
    }
}

/// <summary>Names of BOS/EOS/PAD tokens when known (from tokenizer_config.json); null entries fall back to well-known names.</summary>
internal sealed record SpecialTokenNames(string? Bos = null, string? Eos = null, string? Pad = null);

// The model stage of a tokenizer: one pre-tokenized piece -> token ids with their char spans inside the piece.
// Implementations: BpeModel, WordLevelModel. Vocabulary lookups in both directions live here too.
namespace Interp.Models.Tokenizers;

/// <summary>A token id and the [Start, End) chars of the piece it covers.</summary>
internal readonly record struct ModelToken(int Id, int Start, int End);

internal interface ITokenModel
{
    /// <summary>Appends the tokens of one piece to output.</summary>
    void Tokenize(string piece, List<ModelToken> output);

    int? TokenToId(string token);
    string? IdToToken(int id);

    /// <summary>Largest id in the vocabulary (-1 when empty).</summary>
    int MaxId { get; }
}

/// <summary>Shared vocabulary storage: string -> id and id -> string.</summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _toId;
    private readonly Dictionary<int, string> _toToken;

    public Vocabulary(Dictionary<string, int> vocab)
    {
        _toId = vocab;
        _toToken = new Dictionary<int, string>(vocab.Count);
        foreach (var (tok, id) in vocab)
        {
            if (id < 0) throw new ArgumentException($"vocabulary token \"{tok}\" has negative id {id}; ids must be >= 0.");
            _toToken.TryAdd(id, tok);
        }
        MaxId = vocab.Count == 0 ? -1 : vocab.Values.Max();
    }

    public int MaxId { get; }
    public int Count => _toId.Count;
    public bool TryGetId(string token, out int id) => _toId.TryGetValue(token, out id);
    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _toId.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out id);
    public int? TokenToId(string token) => _toId.TryGetValue(token, out var id) ? id : null;
    public string? IdToToken(int id) => _toToken.GetValueOrDefault(id);
}

/// <summary>Whole-piece lookup: each piece is one token, or unk_token when it is not in the vocabulary.</summary>
internal sealed class WordLevelModel : ITokenModel
{
    private readonly Vocabulary _vocab;
    private readonly int _unkId;

    public WordLevelModel(Dictionary<string, int> vocab, string unkToken)
    {
        _vocab = new Vocabulary(vocab);
        if (!_vocab.TryGetId(unkToken, out _unkId))
            throw new ArgumentException($"WordLevel unk_token \"{unkToken}\" is not in the vocabulary; add it to \"vocab\" or fix \"unk_token\".");
    }

    public void Tokenize(string piece, List<ModelToken> output)
    {
        if (piece.Length == 0) return;
        output.Add(new ModelToken(_vocab.TryGetId(piece, out var id) ? id : _unkId, 0, piece.Length));
    }

    public int? TokenToId(string token) => _vocab.TokenToId(token);
    public string? IdToToken(int id) => _vocab.IdToToken(id);
    public int MaxId => _vocab.MaxId;
}

// Byte-pair-encoding model as in HF tokenizers' BPE: chars -> vocab symbols (with byte_fallback "<0xNN>" or unk_token
// for chars not in the vocab), then rank-ordered merges; results cached per piece. Not the byte-level mapping (a pre-tokenizer's job).
using System.Collections.Concurrent;

namespace Interp.Models.Tokenizers;

internal sealed record BpeOptions(
    string? UnkToken = null,
    string? ContinuingSubwordPrefix = null,
    string? EndOfWordSuffix = null,
    bool FuseUnk = false,
    bool ByteFallback = false,
    bool IgnoreMerges = false);

internal sealed class BpeModel : ITokenModel
{
    private const int MaxCachedPieceLength = 256;
    private const int CacheCapacity = 1 << 17;
    private const int NaiveMergeMaxSymbols = 12; // below this the plain scan beats the queue's setup

    private readonly Vocabulary _vocab;
    private readonly Dictionary<long, MergeRule> _merges;
    private readonly BpeOptions _o;
    private readonly int? _unkId;
    private readonly int[] _byteIds = new int[256]; // id of "<0xNN>" or -1
    private readonly ConcurrentDictionary<string, ModelToken[]> _cache = new();
    private int _cacheCount; // ConcurrentDictionary.Count takes every lock: too slow per call

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, BpeOptions options)
    {
        _vocab = new Vocabulary(vocab);
        _o = options;
        if (options.UnkToken is { } unk)
        {
            if (!_vocab.TryGetId(unk, out var u))
                throw new ArgumentException($"BPE unk_token \"{unk}\" is not in the vocabulary; add it to \"vocab\" or set \"unk_token\" to null.");
            _unkId = u;
        }
        for (int b = 0; b < 256; b++) _byteIds[b] = _vocab.TryGetId($"<0x{b:X2}>", out var id) ? id : -1;

        _merges = new Dictionary<long, MergeRule>(merges.Count, BpeMerger.PairComparer.Instance);
        int prefixLen = options.ContinuingSubwordPrefix?.Length ?? 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (a, b) = merges[rank];
            int aId = LookupForMerge(a, rank, a, b), bId = LookupForMerge(b, rank, a, b);
            string merged = a + (prefixLen > 0 && b.StartsWith(options.ContinuingSubwordPrefix!, StringComparison.Ordinal) ? b[prefixLen..] : b);
            int newId = LookupForMerge(merged, rank, a, b);
            _merges[BpeMerger.Key(aId, bId)] = new MergeRule(rank, newId);
        }
    }

    private int LookupForMerge(string token, int rank, string a, string b) =>
        _vocab.TryGetId(token, out var id) ? id
            : throw new ArgumentException($"BPE merge #{rank} (\"{a}\" \"{b}\") needs token \"{token}\", which is not in the vocabulary; the vocab and merges do not belong together.");

    public int MergeCount => _merges.Count;
    public int? TokenToId(string token) => _vocab.TokenToId(token);
    public string? IdToToken(int id) => _vocab.IdToToken(id);
    public int MaxId => _vocab.MaxId;

    public void Tokenize(string piece, List<ModelToken> output)
    {
        if (piece.Length == 0) return;
        if (_o.IgnoreMerges && _vocab.TryGetId(piece, out var whole))
        {
            output.Add(new ModelToken(whole, 0, piece.Length));
            return;
        }
        bool cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable && _cache.TryGetValue(piece, out var cached)) { output.AddRange(cached); return; }
        var tokens = TokenizeUncached(piece);
        if (cacheable)
        {
            if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheCount, 0);
            }
            _cache.TryAdd(piece, tokens);
        }
        output.AddRange(tokens);
    }

    /// <summary>Initial symbols then merges. useQueue forces the merge loop (true: queue, false: naive reference);
    /// null picks the naive scan for short words and the queue for long ones.</summary>
    internal ModelToken[] TokenizeUncached(string piece, bool? useQueue = null)
    {
        int affix = (_o.ContinuingSubwordPrefix?.Length ?? 0) + (_o.EndOfWordSuffix?.Length ?? 0);
        int cap = piece.Length * (4 + 3 * affix) + 1; // most symbols: one per UTF-8 byte of each char with its affixes
        var ids = new int[cap]; var starts = new int[cap]; var ends = new int[cap];
        int n = 0;
        (int Id, int Start, int End)? pendingUnk = null;
        void FlushUnk()
        {
            if (pendingUnk is { } u) { ids[n] = u.Id; starts[n] = u.Start; ends[n] = u.End; n++; pendingUnk = null; }
        }

        for (int i = 0; i < piece.Length;)
        {
            int len = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            int end = i + len;
            bool first = i == 0, last = end == piece.Length;
            int id;
            bool found;
            string? sym = null;
            if ((first || _o.ContinuingSubwordPrefix is null) && (!last || _o.EndOfWordSuffix is null))
                found = _vocab.TryGetId(piece.AsSpan(i, len), out id);
            else
            {
                sym = (first ? "" : _o.ContinuingSubwordPrefix) + piece.Substring(i, len) + (last ? _o.EndOfWordSuffix : "");
                found = _vocab.TryGetId(sym, out id);
            }
            if (found)
            {
                FlushUnk();
                ids[n] = id; starts[n] = i; ends[n] = end; n++;
            }
            else if (_o.ByteFallback && ByteFallbackIds(sym ?? piece.Substring(i, len)) is { } byteIds)
            {
                FlushUnk();
                foreach (var b in byteIds) { ids[n] = b; starts[n] = i; ends[n] = end; n++; }
            }
            else if (_unkId is int unk)
            {
                if (pendingUnk is { } p && _o.FuseUnk) pendingUnk = (p.Id, p.Start, end);
                else { FlushUnk(); pendingUnk = (unk, i, end); }
            }
            i = end;
        }
        FlushUnk();

        n = useQueue ?? n > NaiveMergeMaxSymbols ? BpeMerger.MergeQueue(ids, starts, ends, n, _merges) : BpeMerger.MergeNaive(ids, starts, ends, n, _merges);
        var result = new ModelToken[n];
        for (int k = 0; k < n; k++) result[k] = new ModelToken(ids[k], starts[k], ends[k]);
        return result;
    }

    /// <summary>The "&lt;0xNN&gt;" ids of sym's UTF-8 bytes, or null when one of them is not in the vocabulary.</summary>
    private int[]? ByteFallbackIds(string sym)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(sym);
        var result = new int[bytes.Length];
        for (int k = 0; k < bytes.Length; k++)
            if ((result[k] = _byteIds[bytes[k]]) < 0) return null;
        return result;
    }
}

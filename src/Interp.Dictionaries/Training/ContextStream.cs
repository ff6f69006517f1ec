// Token contexts of context_size from a corpus file, read line by line (so memory does not grow with the corpus):
// documents are concatenated with an optional separator token between them and cut into contexts, each optionally
// opened by BOS. At the end of the file the unfinished context is dropped and reading starts over (the next epoch).
// Its position is (epoch, contexts read in this epoch); SkipTo re-reads the file up to a position. Not thread-safe.
using System.IO.Compression;
using System.Text.Json;
using Interp.Models.Tokenizers;

namespace Interp.Dictionaries.Training;

public sealed class ContextStream : IDisposable
{
    private readonly string _path;
    private readonly ITokenizer? _tokenizer;
    private readonly int _contextSize;
    private readonly int? _bos, _separator;
    private IEnumerator<int[]>? _docs;
    private readonly Queue<int> _pending = new();
    private bool _firstDocOfEpoch = true;

    public long Epoch { get; private set; }
    public long ContextInEpoch { get; private set; }
    public int ContextSize => _contextSize;

    /// <param name="path">text (one document per line; needs <paramref name="tokenizer"/>) or token ids (whitespace
    /// separated, one document per line, or a .json array of arrays) when <paramref name="tokenizer"/> is null; ".gz" is gunzipped</param>
    /// <param name="bosId">when set, every context starts with it (prepend_bos)</param>
    /// <param name="separatorId">when set, put between two documents</param>
    public ContextStream(string path, ITokenizer? tokenizer, int contextSize, int? bosId, int? separatorId)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"dataset_path '{path}' does not exist.", path);
        if (contextSize < (bosId is null ? 1 : 2)) throw new ArgumentException($"context_size = {contextSize} leaves no room for corpus tokens.");
        _path = path; _tokenizer = tokenizer; _contextSize = contextSize; _bos = bosId; _separator = separatorId;
    }

    /// <summary>Fills <paramref name="dst"/> (context_size ids) with the next context.</summary>
    public void Next(Span<long> dst)
    {
        if (dst.Length != _contextSize) throw new ArgumentException($"a context has {_contextSize} ids; got a span of {dst.Length}.");
        int n = 0;
        if (_bos is { } b) dst[n++] = b;
        while (n < _contextSize)
        {
            if (_pending.Count == 0 && !ReadDocument())
            {
                if (ContextInEpoch == 0)
                    throw new InvalidDataException($"{_path} holds fewer tokens than one context of {_contextSize}; use a larger corpus or a smaller context_size.");
                StartEpoch(Epoch + 1);
                n = _bos is null ? 0 : 1;                       // the unfinished context is dropped
                continue;
            }
            int t = _pending.Dequeue();
            if (n == 1 && _bos is { } bb && t == bb) continue;  // a separator BOS right after the prepended one
            dst[n++] = t;
        }
        ContextInEpoch++;
    }

    /// <summary>Re-reads the corpus to the position (epoch, contexts read in that epoch).</summary>
    public void SkipTo(long epoch, long contextInEpoch)
    {
        if (epoch < 0 || contextInEpoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"position ({epoch}, {contextInEpoch}) must be non-negative.");
        StartEpoch(epoch);
        var tmp = new long[_contextSize];
        while (ContextInEpoch < contextInEpoch)
        {
            Next(tmp);
            if (Epoch != epoch) throw new InvalidDataException($"{_path} has fewer than {contextInEpoch} contexts per epoch; was the corpus changed since the checkpoint?");
        }
    }

    private void StartEpoch(long epoch)
    {
        _docs?.Dispose();
        _docs = null;
        _pending.Clear();
        _firstDocOfEpoch = true;
        Epoch = epoch;
        ContextInEpoch = 0;
    }

    private bool ReadDocument()
    {
        _docs ??= Documents().GetEnumerator();
        while (_docs.MoveNext())
        {
            var ids = _docs.Current;
            if (ids.Length == 0) continue;
            if (!_firstDocOfEpoch && _separator is { } s) _pending.Enqueue(s);
            _firstDocOfEpoch = false;
            foreach (var t in ids) _pending.Enqueue(t);
            return true;
        }
        return false;
    }

    private IEnumerable<int[]> Documents()
    {
        if (_tokenizer is null && _path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            long[][]? rows;
            try { rows = JsonSerializer.Deserialize<long[][]>(File.ReadAllText(_path)); }
            catch (JsonException e) { throw new InvalidDataException($"{_path}: expected a JSON array of arrays of token ids ({e.Message})."); }
            foreach (var r in rows ?? Array.Empty<long[]>())
                yield return Array.ConvertAll(r ?? Array.Empty<long>(), v => v is >= 0 and <= int.MaxValue ? (int)v
                    : throw new InvalidDataException($"{_path}: token id {v} is not a valid id."));
            yield break;
        }
        using var reader = Open(_path);
        long lineNo = 0;
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return _tokenizer is not null ? _tokenizer.Encode(line, addSpecialTokens: false) : ParseIds(line, lineNo);
        }
    }

    private int[] ParseIds(string line, long lineNo)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ids[i]))
                throw new InvalidDataException($"{_path}:{lineNo}: '{parts[i]}' is not a token id; a tokenized dataset holds whitespace-separated non-negative integers " +
                    "(set is_dataset_tokenized to false for text).");
        return ids;
    }

    private static StreamReader Open(string path)
    {
        Interp.Tensors.IO.InputFiles.RequireRegular(path, "dataset_path");
        Stream s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) s = new GZipStream(s, CompressionMode.Decompress);
        return new StreamReader(s);
    }

    public void Dispose()
    {
        _docs?.Dispose();
        _docs = null;
    }
}

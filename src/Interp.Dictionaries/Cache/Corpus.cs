// A corpus read as one stream of token ids, cut into consecutive contexts of a fixed length (the incomplete tail is
// dropped), without ever holding more than a chunk of the file: token ids (JSON arrays such as `interp tokenize` prints,
// or whitespace-separated ids) or UTF-8 text tokenized chunk by chunk. Not the model run (LatentCacheBuilder).
using System.Security.Cryptography;
using Interp.Models.Tokenizers;

namespace Interp.Dictionaries.Cache;

public abstract class Corpus
{
    public string Path { get; }
    /// <summary>"ids" or "text".</summary>
    public abstract string Kind { get; }
    /// <summary>Tokens left over after the last full context of the most recent Contexts() enumeration (dropped).</summary>
    public long TailTokens { get; private protected set; }

    private protected Corpus(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"corpus file '{path}' does not exist.", path);
        Path = path;
    }

    /// <summary>Token ids: JSON arrays of ids (`[[5, 17], [3]]`, rows concatenated) or ids separated by whitespace or
    /// commas; every id must be in 0..<paramref name="vocabSize"/>-1.</summary>
    public static Corpus Ids(string path, int vocabSize) => new IdsCorpus(path, vocabSize);

    /// <summary>UTF-8 text tokenized with <paramref name="tokenizer"/> (no special tokens) in chunks of about 64K chars that
    /// end after a line break (or, for very long lines, before whitespace), so the ids equal those of the whole text except
    /// where a chunk edge splits a run of blank lines.</summary>
    public static Corpus Text(string path, ITokenizer tokenizer) => new TextCorpus(path, tokenizer);

    /// <summary>The corpus's contexts of <paramref name="length"/> tokens, in order, each a fresh array.</summary>
    public IEnumerable<int[]> Contexts(int length)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), $"context length must be >= 1 (got {length}).");
        var buf = new int[length];
        int n = 0;
        TailTokens = 0;
        foreach (var chunk in Chunks())
            foreach (var id in chunk)
            {
                buf[n++] = id;
                if (n == length) { yield return buf; buf = new int[length]; n = 0; }
            }
        TailTokens = n;
    }

    /// <summary>Token ids in file order, a bounded chunk at a time.</summary>
    private protected abstract IEnumerable<IReadOnlyList<int>> Chunks();

    /// <summary>SHA-256 of the file's bytes (hex), read in a stream: what a resumed build checks it is reading the same corpus.</summary>
    public string Fingerprint()
    {
        using var s = File.OpenRead(Path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    private sealed class IdsCorpus(string path, int vocabSize) : Corpus(path)
    {
        public override string Kind => "ids";

        private protected override IEnumerable<IReadOnlyList<int>> Chunks()
        {
            using var reader = new StreamReader(Path);
            var buf = new char[1 << 16];
            var ids = new List<int>(1 << 14);
            long value = -1, line = 1, col = 0, numCol = 0;
            int read;
            while ((read = reader.Read(buf, 0, buf.Length)) > 0)
            {
                ids.Clear();
                for (int i = 0; i < read; i++)
                {
                    char c = buf[i];
                    col++;
                    if (c is >= '0' and <= '9')
                    {
                        if (value < 0) numCol = col;
                        value = Math.Min((value < 0 ? 0 : value * 10) + (c - '0'), int.MaxValue + 1L);   // saturate: no overflow
                        continue;
                    }
                    if (value >= 0) { ids.Add(Check(value, line, numCol)); value = -1; }
                    if (c == '\n') { line++; col = 0; }
                    else if (!(char.IsWhiteSpace(c) || c is ',' or '[' or ']'))
                        throw new InvalidDataException($"{Path}:{line}:{col}: unexpected '{c}'; --ids expects token ids as JSON arrays " +
                            "([[5, 17, 3], [60, 1]]) or separated by whitespace, non-negative integers only.");
                }
                yield return ids;
            }
            if (value >= 0) yield return new[] { Check(value, line, numCol) };
        }

        private int Check(long id, long line, long col) => id < vocabSize ? (int)id
            : throw new InvalidDataException($"{Path}:{line}:{col}: token id {(id > int.MaxValue ? "> " + int.MaxValue : id)} is out of range; " +
                $"ids must be in 0..{vocabSize - 1} (was the corpus tokenized with this model's tokenizer?).");
    }

    private sealed class TextCorpus(string path, ITokenizer tokenizer) : Corpus(path)
    {
        private const int ChunkChars = 1 << 16;
        public override string Kind => "text";

        private protected override IEnumerable<IReadOnlyList<int>> Chunks()
        {
            using var reader = new StreamReader(Path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var buf = new char[ChunkChars];
            var pending = new System.Text.StringBuilder();
            int read;
            while ((read = reader.Read(buf, 0, buf.Length)) > 0)
            {
                pending.Append(buf, 0, read);
                while (Cut(pending) is int cut and > 0)
                {
                    var text = pending.ToString(0, cut);
                    pending.Remove(0, cut);
                    yield return tokenizer.Encode(text);
                }
            }
            if (pending.Length > 0) yield return tokenizer.Encode(pending.ToString());
        }

        /// <summary>Where to cut the pending text: after its last line break; for a line longer than a chunk, at the last
        /// whitespace before it (else at the chunk size, never inside a surrogate pair); 0 = wait for more text.</summary>
        private static int Cut(System.Text.StringBuilder s)
        {
            for (int i = s.Length - 1; i >= 0; i--) if (s[i] == '\n') return i + 1;
            if (s.Length < ChunkChars) return 0;
            for (int i = ChunkChars - 1; i > 0; i--) if (char.IsWhiteSpace(s[i]) && !char.IsWhiteSpace(s[i - 1])) return i;
            return char.IsHighSurrogate(s[ChunkChars - 1]) ? ChunkChars - 1 : ChunkChars;
        }
    }
}

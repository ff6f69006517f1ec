// Trains a byte-level BPE (GPT-2 style: GPT-2 regex pre-split, UTF-8 bytes as byte chars, no prefix space) from text.
// Incremental pair counts over word frequencies with a lazily-updated max-queue; ties go to the pair whose
// (left, right) token strings are smallest in ordinal order, so the result is fully deterministic. Not an encoder.
using System.Text;

namespace Interp.Models.Tokenizers.Training;

/// <param name="VocabSize">Total vocabulary: special tokens + 256 byte tokens + merges (at most).</param>
/// <param name="MinFrequency">Pairs seen fewer times than this are never merged (training stops early).</param>
/// <param name="SpecialTokens">Added tokens given the first ids, in order (default: "&lt;|endoftext|&gt;").</param>
public sealed record BpeTrainerOptions(int VocabSize = 4096, int MinFrequency = 2, IReadOnlyList<string>? SpecialTokens = null)
{
    public IReadOnlyList<string> Specials => SpecialTokens ?? ["<|endoftext|>"];
}

public static class ByteLevelBpeTrainer
{
    /// <summary>Counts the GPT-2 pre-tokenizer's pieces of every text (as they are, before the byte mapping).</summary>
    public static Dictionary<string, long> CountWords(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var pattern = new RegexPattern(ByteLevelPreTokenizer.Gpt2Pattern);
        var segments = new List<(int Start, int End, bool IsMatch)>();
        foreach (var text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            segments.Clear();
            pattern.FindMatches(text, segments); // the tokenizer's Isolated split keeps matches and gaps alike
            foreach (var (s, e, _) in segments)
            {
                if (e <= s) continue;
                var span = text.AsSpan(s, e - s);
                lookup[span] = lookup.TryGetValue(span, out var c) ? c + 1 : 1;
            }
        }
        return counts;
    }

    /// <summary>Trains on <paramref name="texts"/>; see <see cref="BpeTrainerOptions"/>.</summary>
    public static BpeTrainingResult Train(IEnumerable<string> texts, BpeTrainerOptions? options = null)
    {
        options ??= new BpeTrainerOptions();
        var specials = options.Specials;
        if (specials.Any(string.IsNullOrEmpty)) throw new ArgumentException("special tokens must be non-empty strings.");
        if (specials.Distinct(StringComparer.Ordinal).Count() != specials.Count) throw new ArgumentException($"special tokens must be distinct; got [{string.Join(", ", specials)}].");
        int minVocab = specials.Count + 256;
        if (options.VocabSize < minVocab)
            throw new ArgumentException($"vocab size {options.VocabSize} is too small: a byte-level BPE needs {specials.Count} special token(s) + 256 byte tokens = {minVocab} at least.");
        if (options.MinFrequency < 1) throw new ArgumentException($"min frequency must be >= 1; got {options.MinFrequency}.");
        return Train(CountWords(texts), options);
    }

    /// <summary>Trains from word counts (pieces as produced by <see cref="CountWords"/>).</summary>
    public static BpeTrainingResult Train(IReadOnlyDictionary<string, long> wordCounts, BpeTrainerOptions options)
    {
        var specials = options.Specials;
        var tokens = new List<string>(specials);
        // the 256 byte chars, sorted by char, get the next ids (as HF's ByteLevel alphabet does)
        var alphabet = ByteLevelMap.ByteToChar.Order().ToArray();
        var byteId = new int[256];
        foreach (var c in alphabet)
        {
            byteId[ByteLevelMap.CharToByte(c)] = tokens.Count;
            tokens.Add(c.ToString());
        }

        // words in ordinal order so every later iteration is deterministic
        var wordList = wordCounts.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        var words = new int[wordList.Length][];
        var lengths = new int[wordList.Length];
        var freq = new long[wordList.Length];
        for (int w = 0; w < wordList.Length; w++)
        {
            var bytes = Encoding.UTF8.GetBytes(wordList[w].Key);
            words[w] = Array.ConvertAll(bytes, b => byteId[b]);
            lengths[w] = bytes.Length;
            freq[w] = wordList[w].Value;
        }

        var state = new PairState(tokens);
        for (int w = 0; w < words.Length; w++) state.AddWord(words[w], lengths[w], freq[w], w, trackNew: -1);
        state.PushAll();

        var merges = new List<(string Left, string Right)>();
        var grown = new HashSet<long>();
        while (tokens.Count < options.VocabSize && state.PopBest(options.MinFrequency) is { } best)
        {
            var (a, b) = PairState.Split(best);
            int merged = tokens.Count;
            tokens.Add(tokens[a] + tokens[b]);
            merges.Add((tokens[a], tokens[b]));
            grown.Clear();
            foreach (int w in state.WordsWith(best))
            {
                var sym = words[w];
                int n = lengths[w];
                if (!Contains(sym, n, a, b)) continue;       // the index is lazy: the pair may be gone from this word
                state.RemoveWord(sym, n, freq[w]);
                int k = 0;
                for (int i = 0; i < n; i++)
                {
                    if (i + 1 < n && sym[i] == a && sym[i + 1] == b) { sym[k++] = merged; i++; }
                    else sym[k++] = sym[i];
                }
                lengths[w] = k;
                state.AddWord(sym, k, freq[w], w, trackNew: merged, grown);
            }
            state.Forget(best);
            foreach (var p in grown) state.Push(p);
        }
        return new BpeTrainingResult(tokens, merges, specials.ToArray());
    }

    private static bool Contains(int[] sym, int n, int a, int b)
    {
        for (int i = 0; i + 1 < n; i++) if (sym[i] == a && sym[i + 1] == b) return true;
        return false;
    }

    /// <summary>Pair counts, the word index per pair, and the max-queue of candidate merges.</summary>
    private sealed class PairState(List<string> tokens)
    {
        private readonly Dictionary<long, long> _counts = new();
        private readonly Dictionary<long, HashSet<int>> _where = new();
        private readonly PriorityQueue<long, (long Count, long Pair)> _queue = new(new BestFirst(tokens));

        public static long Key(int a, int b) => ((long)a << 32) | (uint)b;
        public static (int A, int B) Split(long key) => ((int)(key >> 32), (int)(uint)key);

        /// <summary>Adds the word's pairs; records the word under pairs holding <paramref name="trackNew"/> (or all when -1).</summary>
        public void AddWord(int[] sym, int n, long f, int w, int trackNew, HashSet<long>? grown = null)
        {
            for (int i = 0; i + 1 < n; i++)
            {
                long key = Key(sym[i], sym[i + 1]);
                _counts[key] = _counts.GetValueOrDefault(key) + f;
                if (trackNew < 0 || sym[i] == trackNew || sym[i + 1] == trackNew)
                {
                    if (!_where.TryGetValue(key, out var set)) _where[key] = set = new HashSet<int>();
                    set.Add(w);
                    grown?.Add(key);
                }
            }
        }

        public void RemoveWord(int[] sym, int n, long f)
        {
            for (int i = 0; i + 1 < n; i++)
            {
                long key = Key(sym[i], sym[i + 1]);
                long c = _counts[key] - f;
                if (c == 0) _counts.Remove(key); else _counts[key] = c;
            }
        }

        /// <summary>The words that may hold the pair, in ascending order (a copy: the caller edits the index meanwhile).</summary>
        public int[] WordsWith(long key)
        {
            var arr = _where.TryGetValue(key, out var set) ? set.ToArray() : [];
            Array.Sort(arr);
            return arr;
        }

        public void Forget(long key) { _where.Remove(key); _counts.Remove(key); }

        public void PushAll() { foreach (var (k, c) in _counts) _queue.Enqueue(k, (c, k)); }

        public void Push(long key) { if (_counts.TryGetValue(key, out var c) && c > 0) _queue.Enqueue(key, (c, key)); }

        /// <summary>The most frequent pair (ties: smallest token strings), or null when none reaches minFrequency.
        /// Entries whose count dropped since they were queued are re-queued with the current count.</summary>
        public long? PopBest(int minFrequency)
        {
            while (_queue.TryDequeue(out var key, out var pri))
            {
                long now = _counts.GetValueOrDefault(key);
                if (now != pri.Count) { if (now > 0) _queue.Enqueue(key, (now, key)); continue; }
                return now >= minFrequency ? key : null;
            }
            return null;
        }

        private sealed class BestFirst(List<string> tokens) : IComparer<(long Count, long Pair)>
        {
            public int Compare((long Count, long Pair) x, (long Count, long Pair) y)
            {
                int c = y.Count.CompareTo(x.Count);  // higher count first
                if (c != 0 || x.Pair == y.Pair) return c;
                var (xa, xb) = Split(x.Pair); var (ya, yb) = Split(y.Pair);
                c = string.CompareOrdinal(tokens[xa], tokens[ya]);
                return c != 0 ? c : string.CompareOrdinal(tokens[xb], tokens[yb]);
            }
        }
    }
}

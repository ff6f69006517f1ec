// Composes toy-world documents: <bos>, then in random order an optional IOI sentence, an optional successor run and
// filler sentences (category / quote / bracket templates) up to a length budget, with an optional induction span and
// its later repeat placed between segments, then <eos>. Document i depends only on (seed, i). Not file writing.
using Interp.Tensors;

namespace Interp.Evals.ToyWorld;

public sealed record ToyWorldOptions(ulong Seed, int Docs, int MaxTokens = ToyWorldOptions.DefaultMaxTokens,
    int EvalPrompts = ToyWorldOptions.DefaultEvalPrompts)
{
    public const int DefaultMaxTokens = 64, DefaultEvalPrompts = 500;
    public const int MinMaxTokens = 32, MaxMaxTokens = 4096;

    public void Validate()
    {
        if (Docs < 1) throw new ArgumentException($"--docs must be at least 1; got {Docs}.");
        if (MaxTokens is < MinMaxTokens or > MaxMaxTokens)
            throw new ArgumentException($"max tokens per document must be in [{MinMaxTokens}, {MaxMaxTokens}] (room for <bos>, an IOI "
                + $"sentence and an induction span); got {MaxTokens}.");
        if (EvalPrompts < 0) throw new ArgumentException($"--eval-prompts must be >= 0; got {EvalPrompts}.");
    }
}

public static class ToyWorldGenerator
{
    /// <summary>Chance that a corpus document holds an IOI sentence / a successor run / an induction span.</summary>
    public const double PIoi = 0.5, PSuccessor = 0.4, PInduction = 0.6;

    /// <summary>A document stops taking filler sentences after this many in a row do not fit.</summary>
    public const int FillerMisses = 4;

    /// <summary>Its budget (max tokens − 2) is lowered by a uniform 0..Slack-1 tokens so lengths vary.</summary>
    public const int Slack = 8;

    public const ulong CorpusStream = 1, IoiEvalStream = 2, InductionEvalStream = 3;

    /// <summary>An independent generator for item <paramref name="index"/> of a stream of a seed.</summary>
    public static Rng StreamRng(ulong seed, ulong stream, long index)
    {
        ulong x = seed;
        x = Rng.SplitMix64(ref x) ^ stream;
        x = Rng.SplitMix64(ref x) ^ unchecked((ulong)index);
        return new Rng(Rng.SplitMix64(ref x));
    }

    /// <summary>The corpus documents 0..Docs-1, generated lazily.</summary>
    public static IEnumerable<ToyDocument> Corpus(ToyWorldOptions o)
    {
        o.Validate();
        for (int i = 0; i < o.Docs; i++) yield return Document(StreamRng(o.Seed, CorpusStream, i), o.MaxTokens);
    }

    private static readonly Template[] Fillers =
        [.. Templates.OfKind(TemplateKind.Category), .. Templates.OfKind(TemplateKind.Quote), .. Templates.OfKind(TemplateKind.Bracket)];

    /// <summary>Filler kind weights: category 2/4, quote 1/4, bracket 1/4; uniform template within a kind.</summary>
    private static Template PickFiller(Rng rng)
    {
        int r = rng.NextInt(4);
        var kind = r < 2 ? TemplateKind.Category : r == 2 ? TemplateKind.Quote : TemplateKind.Bracket;
        var ts = Templates.OfKind(kind);
        return ts[rng.NextInt(ts.Length)];
    }

    /// <summary>One document of at most maxTokens tokens. forceInduction: always plant an induction span (eval prompts).</summary>
    public static ToyDocument Document(Rng rng, int maxTokens, bool forceInduction = false)
    {
        int budget = maxTokens - 2;
        bool ioi = rng.NextDouble() < PIoi, succ = rng.NextDouble() < PSuccessor;
        bool induction = rng.NextDouble() < PInduction || forceInduction;
        int spanLen = induction ? InductionTask.MinSpan + rng.NextInt(InductionTask.MaxSpan - InductionTask.MinSpan + 1) : 0;
        int inductionCost = induction ? 2 * (spanLen + 1) : 0;
        var segs = new List<Segment>();
        var reserved = new HashSet<string>(StringComparer.Ordinal);
        int used = 0;
        void TryAdd(Segment s, int limit)
        {
            if (used + s.Count > limit) return;
            segs.Add(s);
            used += s.Count;
        }
        if (ioi)
        {
            var s = IoiTask.Sample(rng, heldOut: false, out var pick);
            TryAdd(s, budget - inductionCost);
            if (segs.Count > 0) { reserved.Add(pick.Io); reserved.Add(pick.Subject); }
        }
        if (succ)
        {
            var ts = Templates.OfKind(TemplateKind.Successor);
            TryAdd(Templates.Sample(ts[rng.NextInt(ts.Length)], rng, reserved), budget - inductionCost);
        }
        int target = budget - inductionCost - rng.NextInt(Slack);
        for (int misses = 0; misses < FillerMisses;)
        {
            var s = Templates.Sample(PickFiller(rng), rng, reserved);
            if (used + s.Count <= target) TryAdd(s, target);
            else misses++;
        }
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(segs));
        if (induction) PlaceInduction(rng, segs, spanLen);
        return ToyDocument.Assemble(segs);
    }

    /// <summary>Inserts the span before segment i and its repeat before segment j > i (adjacent when there are no
    /// other segments). Span words avoid every token already in the document, so the repeat is the only copy cue.</summary>
    private static void PlaceInduction(Rng rng, List<Segment> segs, int spanLen)
    {
        var present = new HashSet<string>(segs.SelectMany(s => s.Tokens), StringComparer.Ordinal);
        var (first, repeat) = InductionTask.Segments(InductionTask.SampleSpan(rng, spanLen, present));
        int n = segs.Count;
        if (n == 0) { segs.Add(first); segs.Add(repeat); return; }
        int i = rng.NextInt(n);
        int j = i + 1 + rng.NextInt(n - i);
        segs.Insert(j, repeat);
        segs.Insert(i, first);
    }
}

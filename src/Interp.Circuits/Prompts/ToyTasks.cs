// Clean / corrupted pairs for the toy world's two planted behaviours, from its own held-out prompt generator
// (EvalPrompts; seed 1 gives exactly evals/worlds/toy-v1's eval prompts):
//   ioi        "When Mary and John went to the store , John gave a drink to" -> Mary; corrupted: the second
//              subject mention (S2) becomes a third name ("..., Ruth gave a drink to"), so nothing says who the
//              indirect object is. Metric: logit_diff(IO − S).
//   induction  a document whose 3–6-word span repeats, cut inside the repeat -> the next span word; corrupted: the
//              span's first occurrence is replaced by other words (same length), so there is nothing to copy.
//              Metric: logit_diff(answer − the corrupted first occurrence's word at the answer's offset).
using Interp.Evals.ToyWorld;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Circuits;

public static class ToyTasks
{
    /// <summary>The world seed of evals/worlds/toy-v1: its eval prompts are EvalPrompts(1, …).</summary>
    public const ulong WorldSeed = 1;
    private const ulong CorruptionStream = 15;

    public static PromptSet Ioi(ITokenizer tok, int count, ulong seed = WorldSeed)
    {
        CheckCount(count);
        var names = Lexicon.Words("name");
        var pairs = new List<PromptPair>(count);
        foreach (var p in EvalPrompts.Ioi(seed, count))
        {
            var rng = ToyWorldGenerator.StreamRng(seed, CorruptionStream, p.Id);
            string third;
            do third = names[rng.NextInt(names.Length)]; while (third == p.Answer || third == p.Subject);
            var corrupted = (string[])p.Prompt.Clone();
            corrupted[p.S2Pos] = third;
            pairs.Add(Pair(tok, p.Prompt, corrupted, p.Answer, p.Subject));
        }
        return new PromptSet("ioi", MetricSpec.LogitDiff, pairs);
    }

    public static PromptSet Induction(ITokenizer tok, int count, ulong seed = WorldSeed, int maxTokens = 64)
    {
        CheckCount(count);
        var pairs = new List<PromptPair>(count);
        foreach (var p in EvalPrompts.Induction(seed, count, maxTokens))
        {
            var rng = ToyWorldGenerator.StreamRng(seed, CorruptionStream, 1_000_000 + p.Id);
            var used = new HashSet<string>(p.Prompt, StringComparer.Ordinal);
            var corrupted = (string[])p.Prompt.Clone();
            for (int j = 0; j < p.Span.Length; j++)
            {
                string w;
                do w = Lexicon.InductionPool[rng.NextInt(Lexicon.InductionPool.Length)]; while (!used.Add(w));
                corrupted[p.FirstPos + j] = w;
            }
            pairs.Add(Pair(tok, p.Prompt, corrupted, p.Answer, corrupted[p.FirstPos + p.Offset]));
        }
        return new PromptSet("induction", MetricSpec.LogitDiff, pairs);
    }

    /// <summary>Pattern probes on the same clean prompts as Induction(): previous-token pairs over the span's first
    /// occurrence (q = first + j, j ≥ 1, key q − 1) and induction pairs over the repeat up to the cut
    /// (q = repeat + j, j &lt; offset, key first + j + 1: the token that followed q's token last time).</summary>
    public static IReadOnlyList<PatternProbe> InductionProbes(ITokenizer tok, int count, ulong seed = WorldSeed, int maxTokens = 64)
    {
        CheckCount(count);
        return EvalPrompts.Induction(seed, count, maxTokens).Select(p => new PatternProbe(Ids(tok, p.Prompt),
            Enumerable.Range(1, p.Span.Length - 1).Select(j => (p.FirstPos + j, p.FirstPos + j - 1)).ToArray(),
            Enumerable.Range(0, p.Offset).Select(j => (p.RepeatPos + j, p.FirstPos + j + 1)).ToArray())).ToArray();
    }

    private static PromptPair Pair(ITokenizer tok, string[] clean, string[] corrupted, string answer, string wrong) =>
        new(Ids(tok, clean), Ids(tok, corrupted), clean.Length - 1, Id(tok, answer), Id(tok, wrong), clean, corrupted, answer, wrong);

    private static int[] Ids(ITokenizer tok, string[] words) => words.Select(w => Id(tok, w)).ToArray();

    private static int Id(ITokenizer tok, string w) => tok.TokenToId(w)
        ?? throw new ArgumentException($"the toy-world word '{w}' is not in the model's vocabulary; toy tasks need a model trained on the toy world (evals/models/toy-small).");

    private static void CheckCount(int count)
    {
        if (count < 1 || count > 100_000) throw new ArgumentOutOfRangeException(nameof(count), $"prompt count must be in 1..100000 (got {count}).");
    }
}

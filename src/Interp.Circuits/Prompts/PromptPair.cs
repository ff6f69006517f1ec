// One clean / corrupted prompt pair (equal lengths) with what the metric reads: the answer position, the answer and
// "wrong" token ids, and for the loss metric the positions whose next token is scored. Token strings ride along
// for reports. Not the batching (PromptBatch) nor the metric arithmetic (Metric).
namespace Interp.Circuits;

/// <param name="Clean">Clean token ids (what the model should get right).</param>
/// <param name="Corrupted">Corrupted token ids, the same length: the behaviour is absent or reversed.</param>
/// <param name="AnswerPos">Position whose next-token logits the metric reads (default: the last token).</param>
/// <param name="Answer">Token id of the clean answer.</param>
/// <param name="Wrong">Token id the answer is compared against (logit_diff); -1 when the metric needs none.</param>
/// <param name="LossPositions">For the loss metric: positions p whose target is clean[p + 1] (p = last: the answer); null = every position.</param>
public sealed record PromptPair(int[] Clean, int[] Corrupted, int AnswerPos, int Answer, int Wrong,
    string[] CleanTokens, string[] CorruptedTokens, string AnswerText, string WrongText, int[]? LossPositions = null)
{
    public int Length => Clean.Length;

    /// <summary>Checks lengths, positions and ids against a vocabulary of <paramref name="vocab"/> and a context of
    /// <paramref name="nCtx"/>; <paramref name="where"/> names the pair in messages.</summary>
    public void Validate(int vocab, int nCtx, string where)
    {
        if (Clean.Length == 0) throw new ArgumentException($"{where}: the clean prompt is empty; give at least one token.");
        if (Clean.Length != Corrupted.Length)
            throw new ArgumentException($"{where}: clean has {Clean.Length} tokens but corrupted has {Corrupted.Length}; activation patching needs equal lengths (reword one prompt).");
        if (Clean.Length > nCtx) throw new ArgumentException($"{where}: {Clean.Length} tokens exceed the model's context of {nCtx}; shorten the prompts.");
        if (AnswerPos < 0 || AnswerPos >= Clean.Length) throw new ArgumentException($"{where}: answer position {AnswerPos} is outside 0..{Clean.Length - 1}.");
        foreach (var (id, what) in Clean.Select(i => (i, "clean token")).Concat(Corrupted.Select(i => (i, "corrupted token")))
                     .Append((Answer, "answer")).Concat(Wrong >= 0 ? [(Wrong, "wrong answer")] : []))
            if (id < 0 || id >= vocab) throw new ArgumentException($"{where}: {what} id {id} is outside the model's vocabulary 0..{vocab - 1}.");
        if (LossPositions is not null)
            foreach (var p in LossPositions)
                if (p < 0 || p >= Clean.Length) throw new ArgumentException($"{where}: loss position {p} is outside 0..{Clean.Length - 1}.");
    }

    /// <summary>(position, target id) pairs the loss metric scores: clean[p + 1] for p before the end, the answer at the end.</summary>
    public IEnumerable<(int Pos, int Target)> LossTargets()
    {
        var positions = LossPositions ?? Enumerable.Range(0, Clean.Length).ToArray();
        foreach (var p in positions) yield return (p, p + 1 < Clean.Length ? Clean[p + 1] : Answer);
    }
}

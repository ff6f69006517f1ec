// Scores a model on the toy world's held-out prompts: IOI (is the indirect object the top prediction, and
// by what logit margin over the subject) and induction (is the repeated span's next token the top prediction).
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Evals.ToyWorld;

/// <summary>Accuracy: the answer is the top prediction over the whole vocabulary. CandidateAccuracy: the answer
/// out-scores the other candidate(s) (IOI: the subject), which is what Chance refers to for IOI (0.5).</summary>
public sealed record TaskScore(string Task, int Prompts, double Accuracy, double CandidateAccuracy, double Chance, double MeanLogitDiff);

public static class ToyWorldEval
{
    public static IReadOnlyList<TaskScore> Run(HookedTransformer model, ITokenizer tok, string worldDir, int maxPrompts = int.MaxValue)
    {
        int Id(string w) => tok.TokenToId(w) ?? throw new ArgumentException($"word '{w}' from {worldDir} is not in the model's vocabulary: was the model trained on this world?");
        var ioi = ToyWorldFiles.ReadIoiEval(worldDir).Take(maxPrompts).ToList();
        var ind = ToyWorldFiles.ReadInductionEval(worldDir).Take(maxPrompts).ToList();
        if (ioi.Count == 0 || ind.Count == 0) throw new ArgumentException($"{worldDir} has no eval prompts (ioi_eval.jsonl / induction_eval.jsonl).");

        int ioiHits = 0, ioiCand = 0; double ioiDiff = 0;
        foreach (var p in ioi)
        {
            var last = LastLogits(model, p.Prompt.Select(Id).ToArray());
            int answer = Id(p.Answer), subject = Id(p.Subject);
            if (ArgMax(last) == answer) ioiHits++;
            if (last[answer] > last[subject]) ioiCand++;
            ioiDiff += last[answer] - last[subject];
        }
        int indHits = 0; double indDiff = 0;
        foreach (var p in ind)
        {
            var last = LastLogits(model, p.Prompt.Select(Id).ToArray());
            int answer = Id(p.Answer);
            if (ArgMax(last) == answer) indHits++;
            indDiff += last[answer] - last.Average(x => (double)x);
        }
        return new[]
        {
            new TaskScore("ioi", ioi.Count, (double)ioiHits / ioi.Count, (double)ioiCand / ioi.Count, ioi[0].Chance, ioiDiff / ioi.Count),
            // induction: candidates are every word a span is drawn from, so top-1 over them is the top-1 accuracy itself
            new TaskScore("induction", ind.Count, (double)indHits / ind.Count, (double)indHits / ind.Count, ind[0].Chance, indDiff / ind.Count),
        };
    }

    private static float[] LastLogits(HookedTransformer model, int[] ids)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = Tensor.NoGrad();
        var logits = model.Run(Tensor.FromArray(ids.Select(i => (long)i).ToArray(), 1, ids.Length));   // [1, pos, vocab]
        int v = logits.Shape[2];
        return logits.ToArray().AsSpan((ids.Length - 1) * v, v).ToArray();
    }

    private static int ArgMax(float[] x) { int b = 0; for (int i = 1; i < x.Length; i++) if (x[i] > x[b]) b = i; return b; }
}

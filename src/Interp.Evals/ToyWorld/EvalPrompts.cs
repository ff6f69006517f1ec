// Held-out evaluation prompts: IOI sentences cut right after END (answer = IO, chance 1/2 between the two names,
// name pairs from IoiTask's held-out split) and induction documents cut inside the repeat (answer = the next span
// word, chance 1/|InductionPool|). Prompts start with <bos>. Not the scoring of a model on them.
namespace Interp.Evals.ToyWorld;

/// <summary>Positions index Prompt (0 = &lt;bos&gt;); EndPos is the last prompt token. Order: "ABBA" (IO named first) or "BABA".</summary>
public sealed record IoiPrompt(int Id, int Template, string Order, string[] Prompt, string Answer, string Subject,
    int IoPos, int S1Pos, int S2Pos, int EndPos, string[] Candidates, double Chance);

/// <summary>Prompt ends with the first Offset words of the repeat (starting at RepeatPos); Answer = Span[Offset].
/// FirstPos: where the first occurrence starts.</summary>
public sealed record InductionPrompt(int Id, string[] Prompt, string Answer, string[] Span, int FirstPos, int RepeatPos,
    int Offset, int Candidates, double Chance);

public static class EvalPrompts
{
    public static IEnumerable<IoiPrompt> Ioi(ulong seed, int count)
    {
        for (int k = 0; k < count; k++)
        {
            var rng = ToyWorldGenerator.StreamRng(seed, ToyWorldGenerator.IoiEvalStream, k);
            var seg = IoiTask.Sample(rng, heldOut: true, out var pick);
            var doc = ToyDocument.Assemble([seg]);
            int answerAt = IndexOfRole(doc, IoiRole.Answer);
            yield return new IoiPrompt(k, seg.Template, pick.Abba ? "ABBA" : "BABA", doc.Tokens.Take(answerAt).ToArray(),
                pick.Io, pick.Subject, IndexOfRole(doc, IoiRole.IO), IndexOfRole(doc, IoiRole.S1), IndexOfRole(doc, IoiRole.S2),
                IndexOfRole(doc, IoiRole.End), [pick.Io, pick.Subject], 0.5);
        }
    }

    public static IEnumerable<InductionPrompt> Induction(ulong seed, int count, int maxTokens)
    {
        for (int k = 0; k < count; k++)
        {
            var rng = ToyWorldGenerator.StreamRng(seed, ToyWorldGenerator.InductionEvalStream, k);
            var doc = ToyWorldGenerator.Document(rng, maxTokens, forceInduction: true);
            int repeatAt = -1, len = 0;
            for (int i = 0; i < doc.Count; i++)
                if (doc.Labels[i].IsRepeat) { if (repeatAt < 0) repeatAt = i; len++; }
            var span = doc.Tokens.Skip(repeatAt).Take(len).ToArray();
            int firstAt = IndexOf(doc, span[0]);
            int offset = 1 + rng.NextInt(len - 1);
            int pool = Lexicon.InductionPool.Length;
            yield return new InductionPrompt(k, doc.Tokens.Take(repeatAt + offset).ToArray(), span[offset], span, firstAt, repeatAt,
                offset, pool, 1.0 / pool);
        }
    }

    private static int IndexOfRole(ToyDocument doc, IoiRole role)
    {
        for (int i = 0; i < doc.Count; i++) if (doc.Labels[i].Ioi == role) return i;
        throw new InvalidOperationException($"IOI document has no {role} token: {doc.Text}");
    }

    private static int IndexOf(ToyDocument doc, string token)
    {
        for (int i = 0; i < doc.Count; i++) if (doc.Tokens[i] == token) return i;
        throw new InvalidOperationException($"'{token}' is not in the document: {doc.Text}");
    }
}

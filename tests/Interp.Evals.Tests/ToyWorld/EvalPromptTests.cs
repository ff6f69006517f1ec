// Held-out prompts: IOI prompts end at END with the indirect object as answer and use only held-out name pairs;
// induction prompts end inside the repeat and their answer is what followed the last prompt token's only earlier copy.
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.ToyWorld;

public sealed class EvalPromptTests
{
    [Fact]
    public void IoiEval_PromptsEndAtEndWithIndirectObjectAnswer()
    {
        var prompts = ToyWorldFiles.ReadIoiEval(SharedWorld.Path).ToArray();
        Assert.Equal(SharedWorld.Options.EvalPrompts, prompts.Length);
        foreach (var p in prompts)
        {
            Assert.Equal(Lexicon.Bos, p.Prompt[0]);
            Assert.Equal(p.Prompt.Length - 1, p.EndPos);
            Assert.Equal("to", p.Prompt[p.EndPos]);
            Assert.Equal(p.Answer, p.Prompt[p.IoPos]);
            Assert.Equal(p.Subject, p.Prompt[p.S1Pos]);
            Assert.Equal(p.Subject, p.Prompt[p.S2Pos]);
            Assert.Equal(2, p.Prompt.Count(t => t == p.Subject));
            Assert.Equal(1, p.Prompt.Count(t => t == p.Answer));
            Assert.Equal(p.Order == "ABBA", p.IoPos < p.S1Pos);
            Assert.Equal(TemplateKind.Ioi, Templates.All[p.Template].Kind);
            Assert.Equal([p.Answer, p.Subject], p.Candidates);
            Assert.Equal(0.5, p.Chance);
            Assert.True(IoiTask.IsHeldOut(p.Answer, p.Subject));
        }
        Assert.Contains(prompts, p => p.Order == "ABBA");
        Assert.Contains(prompts, p => p.Order == "BABA");
    }

    [Fact]
    public void InductionEval_AnswerFollowsTheEarlierCopyOfTheLastToken()
    {
        var prompts = ToyWorldFiles.ReadInductionEval(SharedWorld.Path).ToArray();
        Assert.Equal(SharedWorld.Options.EvalPrompts, prompts.Length);
        foreach (var p in prompts)
        {
            Assert.Equal(Lexicon.Bos, p.Prompt[0]);
            Assert.InRange(p.Prompt.Length, 1, SharedWorld.Options.MaxTokens - 1);
            Assert.InRange(p.Offset, 1, p.Span.Length - 1);
            Assert.Equal(p.Span, p.Prompt.Skip(p.FirstPos).Take(p.Span.Length));
            Assert.Equal(p.Span.Take(p.Offset), p.Prompt.Skip(p.RepeatPos));
            Assert.Equal(p.RepeatPos + p.Offset, p.Prompt.Length);
            Assert.Equal(p.Span[p.Offset], p.Answer);
            var last = p.Prompt[^1];
            int earlier = Array.IndexOf(p.Prompt, last);
            Assert.True(earlier < p.Prompt.Length - 1 && Array.IndexOf(p.Prompt, last, earlier + 1) == p.Prompt.Length - 1);
            Assert.Equal(p.Answer, p.Prompt[earlier + 1]);
            Assert.Equal(Lexicon.InductionPool.Length, p.Candidates);
            Assert.Equal(1.0 / p.Candidates, p.Chance);
        }
    }

    [Fact]
    public void IoiHeldOutSplit_AboutOneInTenPairsAndSymmetric()
    {
        var names = Lexicon.Words("name");
        int held = 0, pairs = 0;
        for (int i = 0; i < names.Length; i++)
            for (int j = i + 1; j < names.Length; j++)
            {
                pairs++;
                if (IoiTask.IsHeldOut(names[i], names[j])) held++;
                Assert.Equal(IoiTask.IsHeldOut(names[i], names[j]), IoiTask.IsHeldOut(names[j], names[i]));
            }
        Assert.InRange(held, pairs / 20, pairs / 5); // expected pairs / 10
    }

    [Fact]
    public void ReadIoiEval_EqualsTheGeneratedPrompts()
    {
        var read = ToyWorldFiles.ReadIoiEval(SharedWorld.Path).ToArray();
        var made = EvalPrompts.Ioi(SharedWorld.Options.Seed, SharedWorld.Options.EvalPrompts).ToArray();
        Assert.Equal(made.Length, read.Length);
        for (int i = 0; i < made.Length; i++)
        {
            Assert.Equal(made[i].Prompt, read[i].Prompt);
            Assert.Equal(made[i] with { Prompt = read[i].Prompt, Candidates = read[i].Candidates }, read[i]);
        }
    }
}

// Every document of the shared world (read back from corpus.txt + labels.jsonl) obeys the label definitions in
// FORMAT.md, each checked here by an independent re-derivation from the tokens rather than by the generator's code.
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.ToyWorld;

public sealed class CorpusInvariantTests
{
    private static ToyDocument[] Docs => SharedWorld.Documents;

    [Fact]
    public void Documents_BosFirstEosLastWithinMaxTokens()
    {
        Assert.Equal(SharedWorld.Options.Docs, Docs.Length);
        foreach (var d in Docs)
        {
            Assert.InRange(d.Count, 3, SharedWorld.Options.MaxTokens);
            Assert.Equal(Lexicon.Bos, d.Tokens[0]);
            Assert.Equal(Lexicon.Eos, d.Tokens[^1]);
            Assert.DoesNotContain(Lexicon.Bos, d.Tokens.Skip(1));
            Assert.Equal(-1, d.Labels[0].Template);
            Assert.Equal(-1, d.Labels[^1].Template);
            for (int i = 1; i < d.Count - 1; i++) Assert.InRange(d.Labels[i].Template, 0, Templates.All.Length - 1);
        }
    }

    [Fact]
    public void QuoteAndBracketLabels_MatchARescanOfTheTokens()
    {
        foreach (var d in Docs)
        {
            bool open = false;
            int depth = 0;
            for (int i = 0; i < d.Count; i++)
            {
                switch (d.Tokens[i]) { case "\"": open = !open; break; case "(": depth++; break; case ")": depth--; break; }
                Assert.Equal(open, d.Labels[i].InQuote);
                Assert.Equal(depth, d.Labels[i].BracketDepth);
                Assert.InRange(depth, 0, 2);
            }
            Assert.False(open);
            Assert.Equal(0, depth);
        }
    }

    [Fact]
    public void Category_IsTheLexiconCategoryOfTheToken()
    {
        var categoryOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, words) in Lexicon.Categories)
            foreach (var w in words) categoryOf.Add(w, name);
        foreach (var d in Docs)
            for (int i = 0; i < d.Count; i++)
                Assert.Equal(categoryOf.GetValueOrDefault(d.Tokens[i]), d.Labels[i].Category);
    }

    [Fact]
    public void InductionSpans_RepeatCopiesTheOnlyEarlierOccurrence()
    {
        int withSpan = 0;
        foreach (var d in Docs)
        {
            var rep = Enumerable.Range(0, d.Count).Where(i => d.Labels[i].IsRepeat).ToArray();
            if (rep.Length == 0) { Assert.DoesNotContain(d.Labels, l => l.InductionPredictable); continue; }
            withSpan++;
            Assert.InRange(rep.Length, InductionTask.MinSpan, InductionTask.MaxSpan);
            Assert.Equal(rep.Length - 1, rep[^1] - rep[0]); // contiguous
            var span = rep.Select(i => d.Tokens[i]).ToArray();
            int first = Enumerable.Range(0, rep[0]).Single(i => d.Tokens[i] == span[0]);
            Assert.Equal(span, d.Tokens.Skip(first).Take(span.Length));
            foreach (var w in span) Assert.Equal(2, d.Tokens.Count(t => t == w)); // nowhere else in the document
            Assert.Equal(".", d.Tokens[first + span.Length]);
            Assert.True(rep[0] > first + span.Length + 1, $"no sentence between the span and its repeat: {d.Text}");
            for (int i = 0; i < d.Count; i++)
            {
                bool predictable = d.Labels[i].InductionPredictable;
                Assert.Equal(i >= rep[0] && i < rep[^1], predictable);
                if (predictable)
                {   // the next token is what followed this token's earlier (unique) occurrence
                    int earlier = Enumerable.Range(0, i).Single(j => d.Tokens[j] == d.Tokens[i]);
                    Assert.Equal(d.Tokens[earlier + 1], d.Tokens[i + 1]);
                }
            }
        }
        Assert.InRange(withSpan, Docs.Length / 2, Docs.Length * 7 / 10); // PInduction = 0.6
    }

    [Fact]
    public void IoiSentences_RolesOrderedAndAnswerIsTheIndirectObject()
    {
        int withIoi = 0;
        foreach (var d in Docs)
        {
            var at = new Dictionary<IoiRole, int>();
            for (int i = 0; i < d.Count; i++)
                if (d.Labels[i].Ioi != IoiRole.None)
                {
                    Assert.True(at.TryAdd(d.Labels[i].Ioi, i), $"role {d.Labels[i].Ioi} twice in: {d.Text}");
                    Assert.Equal(TemplateKind.Ioi, Templates.All[d.Labels[i].Template].Kind);
                }
            if (at.Count == 0) continue;
            withIoi++;
            Assert.Equal(5, at.Count);
            string io = d.Tokens[at[IoiRole.IO]], s = d.Tokens[at[IoiRole.S1]];
            Assert.NotEqual(io, s);
            Assert.Equal(s, d.Tokens[at[IoiRole.S2]]);
            Assert.Equal(io, d.Tokens[at[IoiRole.Answer]]);
            Assert.Equal("to", d.Tokens[at[IoiRole.End]]);
            Assert.Equal(at[IoiRole.End] + 1, at[IoiRole.Answer]);
            Assert.True(Math.Max(at[IoiRole.IO], at[IoiRole.S1]) < at[IoiRole.S2] && at[IoiRole.S2] < at[IoiRole.End]);
            Assert.Equal(2, Math.Abs(at[IoiRole.IO] - at[IoiRole.S1])); // "X and Y": the first mentions are two apart
            Assert.False(IoiTask.IsHeldOut(io, s), $"corpus uses held-out pair {io}/{s}");
            Assert.Equal(2, d.Tokens.Count(t => t == io)); // filler sentences never reuse the IOI names
            Assert.Equal(2, d.Tokens.Count(t => t == s));
        }
        Assert.InRange(withIoi, Docs.Length * 4 / 10, Docs.Length * 6 / 10); // PIoi = 0.5
    }

    [Fact]
    public void SuccessorRuns_EachWordFollowsThePrevious()
    {
        int runs = 0;
        foreach (var d in Docs)
            for (int i = 0; i < d.Count; i++)
            {
                int k = d.Labels[i].SuccessorPos;
                if (k < 0) continue;
                Assert.Contains(d.Labels[i].Category, Lexicon.SequenceCategories);
                Assert.Equal(TemplateKind.Successor, Templates.All[d.Labels[i].Template].Kind);
                if (k == 0) { runs++; Assert.True(d.Labels[i - 1].SuccessorPos < 0); }
                else
                {
                    Assert.Equal(k - 1, d.Labels[i - 1].SuccessorPos);
                    Assert.Equal(Lexicon.Successor(d.Tokens[i - 1]), d.Tokens[i]);
                }
                if (d.Labels[i + 1].SuccessorPos != k + 1) // last word of the run: check its length
                    Assert.InRange(k + 1, Templates.MinRun, Templates.MaxRun(d.Labels[i].Category!));
            }
        Assert.InRange(runs, Docs.Length * 3 / 10, Docs.Length * 5 / 10); // PSuccessor = 0.4
    }

    [Fact]
    public void Corpus_UsesEveryTemplate()
    {
        var used = Docs.SelectMany(d => d.Labels).Select(l => l.Template).Where(t => t >= 0).ToHashSet();
        Assert.Equal(Enumerable.Range(0, Templates.All.Length), used.Order());
    }
}

// The written tokenizer.json loads through Interp.Models' TokenizerLoader, maps every vocabulary token to its lexicon id,
// and every corpus line encodes to one known id per token and decodes back to the same line.
using Interp.Evals.ToyWorld;
using Interp.Models.Tokenizers;

namespace Interp.Evals.Tests.ToyWorld;

public sealed class TokenizerRoundTripTests
{
    private static readonly Tokenizer Tok = TokenizerLoader.Load(SharedWorld.Path);

    [Fact]
    public void Load_WrittenTokenizer_VocabularyAndSpecialsMatchLexicon()
    {
        Assert.Equal(Lexicon.Vocabulary.Length, Tok.VocabSize);
        for (int i = 0; i < Lexicon.Vocabulary.Length; i++)
        {
            Assert.Equal(i, Tok.TokenToId(Lexicon.Vocabulary[i]));
            Assert.Equal(Lexicon.Vocabulary[i], Tok.IdToToken(i));
        }
        Assert.Equal(Lexicon.Id(Lexicon.Bos), Tok.BosId);
        Assert.Equal(Lexicon.Id(Lexicon.Eos), Tok.EosId);
        Assert.Equal(Lexicon.Id(Lexicon.Pad), Tok.PadId);
    }

    [Fact]
    public void EncodeDecode_EveryCorpusLine_OneKnownIdPerTokenAndSameText()
    {
        int unk = Lexicon.Id(Lexicon.Unk);
        foreach (var line in ToyWorldFiles.ReadLines(SharedWorld.Path, "corpus.txt"))
        {
            var tokens = line.Split(' ');
            var ids = Tok.Encode(line);
            Assert.Equal(tokens.Length, ids.Length);
            for (int i = 0; i < ids.Length; i++)
            {
                Assert.NotEqual(unk, ids[i]);
                Assert.Equal(Lexicon.Id(tokens[i]), ids[i]);
            }
            Assert.Equal(line, Tok.Decode(ids));
        }
    }

    [Fact]
    public void Encode_WordOutsideTheWorld_GivesUnk()
    {
        Assert.Equal([Lexicon.Id("the"), Lexicon.Id(Lexicon.Unk)], Tok.Encode("the unicorn"));
    }

    [Fact]
    public void Corpus_UsesEveryVocabularyTokenExceptPadAndUnk()
    {
        var seen = SharedWorld.Documents.SelectMany(d => d.Tokens).ToHashSet(StringComparer.Ordinal);
        var unused = Lexicon.Vocabulary.Where(t => !seen.Contains(t)).ToArray();
        Assert.Equal([Lexicon.Pad, Lexicon.Unk], unused);
    }

    [Fact]
    public void Lexicon_CategoriesDisjointAndOutsideFunctionWords()
    {
        var all = Lexicon.Categories.SelectMany(c => c.Words).ToArray();
        Assert.Equal(all.Length, all.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(all.Intersect(Lexicon.FunctionWords.Concat(Lexicon.Punctuation).Concat(Lexicon.Specials)));
        Assert.InRange(Lexicon.Vocabulary.Length, 200, 500);
    }
}

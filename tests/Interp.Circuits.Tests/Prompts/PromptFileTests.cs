// Prompt-pair files: text tokenized by the model's tokenizer (the toy model's word-level one), ids given directly,
// and every malformed input answered with the pair and key at fault.
using Interp.Models.Tokenizers;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Prompts;

public class PromptFileTests
{
    private static readonly ITokenizer Tok = TokenizerLoader.Load(ToyModel);

    private const string Good = """
    {
      "name": "my-ioi",
      "metric": "logit_diff",
      "prepend_bos": true,
      "pairs": [
        { "clean": "When Mary and John went to the store , John gave a drink to",
          "corrupted": "When Mary and John went to the store , Ruth gave a drink to",
          "answer": "Mary", "wrong": "John" },
        { "clean_ids": [5, 6, 7], "corrupted_ids": [5, 8, 7], "answer_id": 9, "wrong_id": 10, "answer_pos": 1 }
      ]
    }
    """;

    [Fact]
    public void Parse_TextAndIds_BuildsPairs()
    {
        var set = PromptFile.Parse(Good, Tok, "f.json");
        Assert.Equal("my-ioi", set.Name);
        Assert.Equal(MetricKind.LogitDiff, set.Metric.Kind);
        var p = set.Pairs[0];
        Assert.Equal(15, p.Length);                                        // <bos> + 14 words
        Assert.Equal(Tok.BosId, p.Clean[0]);
        Assert.Equal(Tok.TokenToId("Mary"), p.Answer);
        Assert.Equal(Tok.TokenToId("John"), p.Wrong);
        Assert.Equal(14, p.AnswerPos);
        Assert.Equal(Tok.TokenToId("Ruth"), p.Corrupted[10]);
        Assert.Equal(p.Clean.Where((t, i) => i != 10), p.Corrupted.Where((t, i) => i != 10));
        Assert.Equal(new[] { Tok.BosId!.Value, 5, 6, 7 }, set.Pairs[1].Clean);
        Assert.Equal(1, set.Pairs[1].AnswerPos);
    }

    [Theory]
    [InlineData("""{"pairs": []}""", "\"pairs\" is missing or empty")]
    [InlineData("""{"pairs": [{"clean": "a b", "corrupted": "a", "answer": "a", "wrong": "b"}]}""", "pairs[0]: clean has 2 tokens but corrupted has 1")]
    [InlineData("""{"pairs": [{"clean": "a", "corrupted": "b", "answer": "a b", "wrong": "b"}]}""", "\"answer\" \"a b\" is 2 tokens")]
    [InlineData("""{"pairs": [{"clean": "a", "corrupted": "b", "answer": "a"}]}""", "\"wrong\" is missing")]
    [InlineData("""{"pairs": [{"clean": "a", "clean_ids": [1], "corrupted": "b", "answer": "a", "wrong": "b"}]}""", "exactly one of \"clean\"")]
    [InlineData("""{"metric": "kl", "pairs": [{"clean": "a", "corrupted": "b", "answer": "a", "wrong": "b"}]}""", "unknown metric 'kl'")]
    [InlineData("""{"pairs": [{"clean": "a", "corupted": "b", "answer": "a", "wrong": "b"}]}""", "did you mean 'corrupted'")]
    [InlineData("""{"pairs": [{"clean": "a b", "corrupted": "b a", "answer": "a", "wrong": "b", "answer_pos": 5}]}""", "\"answer_pos\" 5 is outside")]
    [InlineData("""{"pairs": [""", "malformed JSON")]
    public void Parse_BadInput_SaysWhereAndWhat(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => PromptFile.Parse(json, Tok, "bad.json"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.json", e.Message);
    }

    [Fact]
    public void Load_MissingFile_PointsToTheFormat() =>
        Assert.Contains("docs/circuits.md", Assert.Throws<FileNotFoundException>(() => PromptFile.Load("/nonexistent/pairs.json", Tok)).Message);

    [Fact]
    public void Parse_LossWithoutAnswer_ScoresTheNextTokensOnly()
    {
        var set = PromptFile.Parse("""{"metric": "loss", "pairs": [{"clean": "the cat", "corrupted": "the dog"}]}""", Tok, "l.json");
        var p = set.Pairs[0];
        Assert.Equal(new[] { (0, Tok.TokenToId("cat")!.Value) }, p.LossTargets().ToArray());
    }
}

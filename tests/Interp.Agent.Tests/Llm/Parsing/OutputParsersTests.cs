// Parsers on hostile model outputs: packaging (fences, whitespace) is forgiven, content is not. Every rejection is a
// failure with a reason; none turns into 0, NaN or a default.
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Parsing;

public sealed class OutputParsersTests
{
    [Theory]
    [InlineData("[1, 2, 3]")]
    [InlineData("  \n[1,2,3]\n ")]
    [InlineData("```json\n[1, 2, 3]\n```")]
    [InlineData("```\n[1, 2.0, 3e0]\n```")]
    public void NumberArray_PackagedArray_Parses(string text) => Assert.Equal([1.0, 2.0, 3.0], OutputParsers.NumberArray(text, 3).Value);

    [Theory]
    [InlineData("Here you go: [1, 2, 3]", "expected a JSON array")]
    [InlineData("[1, 2, 3] hope this helps", "not a JSON array")]
    [InlineData("[1, 2]", "2 elements, expected 3")]
    [InlineData("[1, 2, 3, 4]", "4 elements, expected 3")]
    [InlineData("[1, \"2\", 3]", "element 1 is string")]
    [InlineData("[1, null, 3]", "element 1 is null")]
    [InlineData("[1, NaN, 3]", "not a JSON array")]
    [InlineData("[1, [2], 3]", "element 1 is array")]
    [InlineData("", "expected a JSON array")]
    [InlineData("```json\n```", "expected a JSON array")]
    [InlineData("{\"a\": [1,2,3]}", "expected a JSON array")]
    public void NumberArray_HostileOutput_FailsWithReason(string text, string reason)
    {
        var r = OutputParsers.NumberArray(text, 3);
        Assert.False(r.Ok);
        Assert.Contains(reason, r.Error);
    }

    [Fact]
    public void NumberArray_OutOfRange_Fails() => Assert.False(OutputParsers.NumberArray("[0, 11]", min: 0, max: 10).Ok);

    [Fact]
    public void StringArray_MixedTypes_Fails()
    {
        Assert.Equal(["a", "b"], OutputParsers.StringArray("[\"a\", \"b\"]", 2).Value);
        Assert.False(OutputParsers.StringArray("[\"a\", 2]").Ok);
    }

    [Theory]
    [InlineData("[EXPLANATION]: cats and dogs", "cats and dogs")]
    [InlineData("Let me think.\nThe tokens are animals.\n[EXPLANATION]:  cats and dogs  \n", "cats and dogs")]
    [InlineData("```\n[EXPLANATION]: cats\n```", "cats")]
    public void TaggedLine_OneTaggedLine_ReturnsItsValue(string text, string expected) =>
        Assert.Equal(expected, OutputParsers.TaggedLine(text, "[EXPLANATION]:").Value);

    [Theory]
    [InlineData("cats and dogs", "no line starts with")]
    [InlineData("[EXPLANATION]: cats\n[EXPLANATION]: dogs", "2 lines start with")]
    [InlineData("[EXPLANATION]:   ", "is empty")]
    [InlineData("The [EXPLANATION]: is cats", "no line starts with")]
    public void TaggedLine_Missing_Duplicated_Or_Empty_Fails(string text, string reason)
    {
        var r = OutputParsers.TaggedLine(text, "[EXPLANATION]:");
        Assert.False(r.Ok);
        Assert.Contains(reason, r.Error);
    }

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData(" 7.5\n", 7.5)]
    [InlineData("```\n3\n```", 3.0)]
    [InlineData("-1e-3", -0.001)]
    [InlineData(".5", 0.5)]
    public void Number_OneNumber_Parses(string text, double expected) => Assert.Equal(expected, OutputParsers.Number(text).Value);

    [Theory]
    [InlineData("7/10")]
    [InlineData("about 7")]
    [InlineData("7 8")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e999")]
    [InlineData("")]
    [InlineData("7,5")]
    [InlineData("seven")]
    public void Number_NotExactlyOneFiniteNumber_Fails(string text) => Assert.False(OutputParsers.Number(text).Ok);

    [Fact]
    public void Number_OutOfRange_Fails() => Assert.Contains("outside", OutputParsers.Number("11", 0, 10).Error);

    [Theory]
    [InlineData("3", true)]
    [InlineData("-3", true)]
    [InlineData("3.0", false)]
    [InlineData("99999999999", false)]
    public void Integer_Strict(string text, bool ok) => Assert.Equal(ok, OutputParsers.Integer(text).Ok);

    public sealed record Args(int FeatureId, int Layer = 0);

    [Fact]
    public void ToolArguments_Strict_UnknownKeyWrongTypeAndNonObjectFail()
    {
        Assert.Equal(new Args(12, 3), OutputParsers.ToolArguments<Args>("{\"feature_id\": 12, \"layer\": 3}").Value);
        Assert.Equal(new Args(12), OutputParsers.ToolArguments<Args>("```json\n{\"feature_id\": 12}\n```").Value);
        Assert.Contains("feature_ide", OutputParsers.ToolArguments<Args>("{\"feature_ide\": 12}").Error);
        Assert.False(OutputParsers.ToolArguments<Args>("{\"feature_id\": \"twelve\"}").Ok);
        Assert.False(OutputParsers.ToolArguments<Args>("[12]").Ok);
        Assert.False(OutputParsers.ToolArguments<Args>("{\"layer\": 3}").Ok); // a required argument missing is not a 0
        Assert.False(OutputParsers.ToolArguments<Args>("{\"feature_id\": 12").Ok);
    }

    [Fact]
    public void BinaryProbability_FromAlternatives_IsP1OverP0PlusP1()
    {
        var top = new[] { new TopLogprob("1", Math.Log(0.6)), new TopLogprob(" 0", Math.Log(0.2)), new TopLogprob("maybe", Math.Log(0.2)) };
        Assert.Equal(0.75, LogprobReaders.BinaryProbability(top).Value, 12);
    }

    [Fact]
    public void BinaryProbability_NeitherToken_FailsNotHalf()
    {
        var r = LogprobReaders.BinaryProbability([new TopLogprob("yes", -0.1), new TopLogprob("no", -2.0)]);
        Assert.False(r.Ok);
        Assert.Contains("neither", r.Error);
    }

    [Fact]
    public void ExpectedValue_DigitAlternatives_WeightedMean()
    {
        var top = new[] { new TopLogprob("2", Math.Log(0.5)), new TopLogprob("10", Math.Log(0.25)), new TopLogprob("x", Math.Log(0.25)) };
        Assert.Equal((2 * 0.5 + 10 * 0.25) / 0.75, LogprobReaders.ExpectedValue(top).Value, 12);
        Assert.False(LogprobReaders.ExpectedValue([new TopLogprob("x", -0.1), new TopLogprob("11", -1)]).Ok);
    }
}

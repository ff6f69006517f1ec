// Template parsing and rendering: declared and used placeholders must agree, roles and headers are checked, and a render
// without a value (or with an unknown one) is an error rather than a prompt with a hole in it.
using Interp.Agent.Prompts;

namespace Interp.Agent.Tests.Prompts;

public sealed class PromptTemplateTests
{
    private const string Good = "name: t\nversion: 2\nplaceholders: a, b\n=== system ===\nS {{a}}\n=== user ===\nU {{b}} and {{a}}\n";

    [Fact]
    public void Parse_ValidTemplate_RendersMessagesInOrder()
    {
        var t = PromptTemplate.Parse(Good, "t.prompt");
        Assert.Equal("t@2", t.Id);
        var r = t.Render(new Dictionary<string, string> { ["a"] = "x", ["b"] = "y" });
        Assert.Equal(["system", "user"], r.Messages.Select(m => m.Role));
        Assert.Equal("S x", r.Messages[0].Content);
        Assert.Equal("U y and x", r.Messages[1].Content);
    }

    [Theory]
    [InlineData("name: t\nversion: 1\n=== system ===\n{{a}}\n", "not declared")]
    [InlineData("name: t\nversion: 1\nplaceholders: a, b\n=== system ===\n{{a}}\n", "no message uses")]
    [InlineData("name: t\nversion: 1\n=== robot ===\nhi\n", "unknown role")]
    [InlineData("version: 1\n=== user ===\nhi\n", "no `name:`")]
    [InlineData("name: t\nversion: zero\n=== user ===\nhi\n", "version: N")]
    [InlineData("name: t\nversion: 1\ncolour: red\n=== user ===\nhi\n", "unknown header key")]
    [InlineData("name: t\nversion: 1\n", "no `=== role ===`")]
    public void Parse_MalformedTemplate_ThrowsNamingTheProblem(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => PromptTemplate.Parse(text, "bad.prompt"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("bad.prompt", e.Message);
    }

    [Fact]
    public void Render_MissingOrUnknownValue_Throws()
    {
        var t = PromptTemplate.Parse(Good, "t.prompt");
        Assert.Contains("no value for placeholder 'b'", Assert.Throws<ArgumentException>(() => t.Render(new Dictionary<string, string> { ["a"] = "x" })).Message);
        Assert.Contains("'c' is not one of", Assert.Throws<ArgumentException>(() =>
            t.Render(new Dictionary<string, string> { ["a"] = "x", ["b"] = "y", ["c"] = "z" })).Message);
    }

    [Fact]
    public void Get_UnknownTemplate_ThrowsKeyNotFound() =>
        Assert.Throws<KeyNotFoundException>(() => PromptLibrary.Get("no-such-template"));
}

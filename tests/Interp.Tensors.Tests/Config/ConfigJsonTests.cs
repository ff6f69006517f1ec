// ConfigJson, the one config serializer: snake_case records and enums, and every problem a ConfigException naming the
// source, the key's path, what was found and what was expected (nearest key for unknown ones) — never a .NET type name.
using System.Text.Json;
using System.Text.Json.Serialization;
using Interp.Config;
using Interp.Errors;

namespace Interp.Tensors.Tests.Config;

public enum Colour { Red, DarkBlue, [JsonStringEnumMemberName("GREEN")] Green }

public sealed record Inner(int Size, string? Label = null);

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Circle), "circle")]
[JsonDerivedType(typeof(Square), "square")]
public abstract record Shape;
public sealed record Circle(double Radius) : Shape;
public sealed record Square(int Side = 1) : Shape;

public sealed record Sample
{
    public required int NLayers { get; init; }
    public double Eps { get; init; } = 1e-5;
    public bool Tied { get; init; } = true;
    public Colour Colour { get; init; } = Colour.Red;
    public ulong Seed { get; init; }
    public int? Optional { get; init; }
    public List<Inner>? Items { get; init; }
    public Dictionary<string, int>? Vocab { get; init; }
    public Shape? Shape { get; init; }
}

public class ConfigJsonTests
{
    private static Sample Parse(string json, ConfigRules? rules = null) => ConfigJson.Parse<Sample>(json, "/cfg/sample.json", rules);

    private static ConfigException Bad(string json, ConfigRules? rules = null) => Assert.Throws<ConfigException>(() => Parse(json, rules));

    [Fact]
    public void Parse_ValidConfig_ReadsSnakeCaseKeysEnumsAndNesting()
    {
        var s = Parse("""
            {"n_layers": 3, "eps": 1e-6, "tied": false, "colour": "dark_blue", "seed": 18446744073709551615, "optional": null,
             "items": [{"size": 2, "label": "a"}], "vocab": {"x": 0}, "shape": {"radius": 1.5, "type": "circle"}}
            """);
        Assert.Equal((3, 1e-6, false, Colour.DarkBlue, ulong.MaxValue), (s.NLayers, s.Eps, s.Tied, s.Colour, s.Seed));
        Assert.Equal(new Inner(2, "a"), Assert.Single(s.Items!));
        Assert.Equal(new Circle(1.5), s.Shape);
        Assert.Equal(Colour.Green, Parse("""{"n_layers": 1, "colour": "GREEN"}""").Colour);
    }

    [Fact]
    public void Write_ThenParse_RoundTrips()
    {
        var s = Parse("""{"n_layers": 2, "colour": "GREEN", "shape": {"type": "square", "side": 4}}""");
        Assert.Equal(s with { Items = null }, Parse(ConfigJson.Write(s)) with { Items = null });
        Assert.Contains("\"n_layers\": 2", ConfigJson.Write(s));
    }

    [Theory]
    [InlineData("""{"n_layers": "3"}""", "n_layers", "\"n_layers\" is the string \"3\"; expected an integer", "write it without quotes: 3")]
    [InlineData("""{"n_layers": 2.5}""", "n_layers", "is the number 2.5; expected an integer", "whole number")]
    [InlineData("""{"n_layers": 3000000000}""", "n_layers", "is 3000000000, out of range", "2147483647")]
    [InlineData("""{"n_layers": 1, "seed": -1}""", "seed", "out of range", "from 0")]
    [InlineData("""{"n_layers": 1, "tied": "false"}""", "tied", "expected true or false", "without quotes")]
    [InlineData("""{"n_layers": 1, "eps": "small"}""", "eps", "expected a number", null)]
    [InlineData("""{"n_layers": 1, "colour": "blue"}""", "colour", "\"blue\", which is not supported", "\"red\", \"dark_blue\", \"GREEN\"")]
    [InlineData("""{"n_layers": 1, "colour": 2}""", "colour", "the number 2; expected one of", null)]
    [InlineData("""{"n_layers": 1, "items": [{"size": 1}, {"size": "x"}]}""", "items[1].size", "\"items[1].size\" is the string", null)]
    [InlineData("""{"n_layers": 1, "items": [{"label": "a"}]}""", "items[0].size", "\"items[0].size\" is missing", "add it")]
    [InlineData("""{"n_layers": 1, "vocab": {"a": 1, "b": "2"}}""", "vocab.b", "\"vocab.b\" is the string \"2\"", null)]
    [InlineData("""{"n_layers": 1, "shape": {"type": "hexagon"}}""", "shape.type", "\"type\" \"hexagon\" is not supported", "\"circle\", \"square\"")]
    [InlineData("""{"n_layers": 1, "shape": {"radius": 2}}""", "shape.type", "has no \"type\"", "\"circle\"")]
    [InlineData("""{"n_layers": 1, "shape": {"type": "square", "sides": 3}}""", "shape.sides", "unknown key \"shape.sides\"", "did you mean \"side\"")]
    [InlineData("""{"eps": 1}""", "n_layers", "\"n_layers\" is missing", "an integer")]
    [InlineData("""{"n_layer": 1}""", "n_layer", "unknown key \"n_layer\"", "did you mean \"n_layers\"")]
    [InlineData("""{"n_layers": 1, "n_layers": 2}""", "n_layers", "\"n_layers\" is given twice", "keep one")]
    public void Parse_BadValue_NamesKeyFoundExpectedAndHint(string json, string key, string what, string? hint)
    {
        var e = Bad(json);
        Assert.Equal(key, e.Key);
        Assert.Equal("/cfg/sample.json", e.File);
        Assert.Contains(what, e.Message);
        if (hint is not null) Assert.Contains(hint, e.Hint ?? "");
        Assert.DoesNotContain("System.", e.Message);
        Assert.DoesNotContain("Int32", e.Message);
    }

    [Fact]
    public void Parse_SyntaxError_SaysWhereInWords()
    {
        var e = Bad("{\"n_layers\": 1,\n \"eps\": }");
        Assert.Contains("not valid JSON", e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void Parse_KnownExtraKeys_AreAcceptedOthersStillRejected()
    {
        var rules = new ConfigRules(new HashSet<string> { "architectures", "torch_dtype" }, "model_type \"x\"");
        Assert.Equal(1, Parse("""{"n_layers": 1, "architectures": ["X"], "torch_dtype": "float16"}""", rules).NLayers);
        var e = Bad("""{"n_layers": 1, "torch_dtyp": "float16"}""", rules);
        Assert.Contains("for model_type \"x\"", e.Message);
        Assert.Contains("did you mean \"torch_dtype\"", e.Hint);
    }

    [Fact]
    public void Parse_TopLevelNotAnObject_IsAConfigError()
    {
        Assert.Contains("expected an object", Bad("[1, 2]").Message);
        Assert.Contains("is null; expected an object", Assert.Throws<ConfigException>(() => ConfigJson.Parse<Sample>("null", "x.json")).Message);
    }

    [Fact]
    public void EnumName_UsesTheSerializersSpelling()
    {
        Assert.Equal("dark_blue", ConfigJson.EnumName(Colour.DarkBlue));
        Assert.Equal("GREEN", ConfigJson.EnumName(Colour.Green));
        Assert.Equal(["red", "dark_blue", "GREEN"], ConfigJson.EnumNames<Colour>());
    }
}

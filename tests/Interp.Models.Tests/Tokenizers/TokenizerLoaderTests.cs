// TokenizerLoader: which files it accepts (folder with tokenizer.json / vocab.json + merges.txt, a tokenizer.json file),
// tokenizer_config.json special names, and the errors for missing paths, bad JSON and unsupported components
// (ConfigException from the one config reader, naming the key and the supported types).
using System.Text.Json.Nodes;
using Interp.Errors;
using Interp.Models.Tokenizers;

namespace Interp.Models.Tests.Tokenizers;

public sealed class TokenizerLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "interp-tok-" + Guid.NewGuid().ToString("N"));

    public TokenizerLoaderTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string TinyWordLevel =
        """{"pre_tokenizer":{"type":"WhitespaceSplit"},"model":{"type":"WordLevel","unk_token":"<unk>","vocab":{"<unk>":0,"hi":1,"<s>":2,"</s>":3,"<pad>":4}}}""";

    private static string WithModel(string model) => $$"""{"model":{{model}}}""";

    [Fact]
    public void Load_FolderWithVocabAndMerges_IsGpt2()
    {
        var t = TokenizerLoader.Load(Fixtures.Dir("gpt2"));
        Assert.Equal(new[] { 15496, 995 }, t.Encode("Hello world"));
    }

    [Fact]
    public void Load_FolderOrFileWithTokenizerJson_AndConfigNamesSpecials()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), TinyWordLevel);
        Assert.Equal(new[] { 1, 0 }, TokenizerLoader.Load(_dir).Encode("hi there"));
        Assert.Equal(new[] { 1 }, TokenizerLoader.Load(Path.Combine(_dir, "tokenizer.json")).Encode("hi"));
        var guessed = TokenizerLoader.Load(_dir); // no config: well-known names
        Assert.Equal((2, 3, 4), (guessed.BosId, guessed.EosId, guessed.PadId));
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"),
            """{"bos_token":{"content":"hi"},"eos_token":"<s>","pad_token":null}""");
        var configured = TokenizerLoader.Load(_dir);
        Assert.Equal((1, 2, 4), (configured.BosId, configured.EosId, configured.PadId));
    }

    [Fact]
    public void Load_MissingPath_ThrowsFileNotFoundNamingIt()
    {
        var missing = Path.Combine(_dir, "nope");
        var ex = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(missing));
        Assert.Contains(missing, ex.Message);
    }

    [Fact]
    public void Load_FolderWithoutTokenizerFiles_ThrowsListingContents()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{}");
        var ex = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(_dir));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("config.json", ex.Message);
    }

    [Fact]
    public void Load_NonJsonFile_ThrowsNotSupported()
    {
        var file = Path.Combine(_dir, "tokenizer.model");
        File.WriteAllText(file, "x");
        Assert.Throws<NotSupportedException>(() => TokenizerLoader.Load(file));
    }

    [Fact]
    public void FromJson_InvalidJson_ThrowsConfigException()
    {
        Assert.Contains("not valid JSON", Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson("{\"model\": ")).Message);
        Assert.Contains("array", Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson("[1, 2]")).Message);
        Assert.Equal("model", Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson("{}")).Key);
    }

    [Theory]
    [InlineData("""{"type":"Unigram","vocab":[["a",0.0]]}""", "\"type\" \"Unigram\" is not supported", "\"BPE\", \"WordLevel\"")]
    [InlineData("""{"type":"WordPiece","vocab":{"a":0}}""", "\"type\" \"WordPiece\" is not supported", "\"BPE\", \"WordLevel\"")]
    public void FromJson_UnsupportedModel_NamesTypeAndSupported(string model, string named, string supported)
    {
        var ex = Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson(WithModel(model)));
        Assert.Contains(named, ex.Message);
        Assert.Contains(supported, ex.Message);
    }

    [Theory]
    [InlineData("normalizer", """{"type":"BertNormalizer"}""", "normalizer: \"type\" \"BertNormalizer\" is not supported")]
    [InlineData("pre_tokenizer", """{"type":"UnicodeScripts"}""", "pre_tokenizer: \"type\" \"UnicodeScripts\" is not supported")]
    [InlineData("decoder", """{"type":"WordPiece","prefix":"##"}""", "decoder: \"type\" \"WordPiece\" is not supported")]
    [InlineData("post_processor", """{"type":"Fancy"}""", "post_processor: \"type\" \"Fancy\" is not supported")]
    [InlineData("pre_tokenizer", """{"type":"Split","pattern":{"Regex":"\\p{Han}+"},"behavior":"Isolated"}""", "not valid .NET regex")]
    [InlineData("pre_tokenizer", """{"type":"Split","pattern":{"String":"x"},"behavior":"Sideways"}""", "\"pre_tokenizer.behavior\" is \"Sideways\", which is not supported")]
    public void FromJson_UnsupportedComponent_NamesIt(string field, string component, string expected)
    {
        var json = JsonNode.Parse(TinyWordLevel)!.AsObject();
        json[field] = JsonNode.Parse(component);
        var ex = Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson(json.ToJsonString()));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("supported", ex.Message);
    }

    [Fact]
    public void FromJson_BadBpeVocabulary_ThrowsNamingToken()
    {
        var ex = Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson(
            WithModel("""{"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]}""")));
        Assert.Contains("\"ab\"", ex.Message);
        Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson(WithModel("""{"type":"BPE","vocab":{"a":0},"merges":["a"]}""")));
        Assert.Equal("model.unk_token", Assert.Throws<ConfigException>(() => TokenizerLoader.FromJson(WithModel("""{"type":"WordLevel","vocab":{"a":0}}"""))).Key);
    }
}

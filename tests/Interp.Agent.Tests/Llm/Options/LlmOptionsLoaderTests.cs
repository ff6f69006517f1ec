// The `Llm` section: read strictly (unknown keys name the nearest one, wrong types name the key), validated with the
// key path in every message, identical through IConfiguration, and the repository's appsettings.json is valid.
using System.Text;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Microsoft.Extensions.Configuration;

namespace Interp.Agent.Tests.Llm.Options;

public sealed class LlmOptionsLoaderTests
{
    private const string Valid = """
        {
          "store_path": "/tmp/x.db",
          "endpoints": {
            "openai": { "base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY", "max_concurrency": 4,
                        "request_timeout_s": 30, "retry": { "max_attempts": 3, "base_delay_ms": 500 }, "send_max_tokens": false }
          },
          "roles": {
            "explainer": { "endpoint": "openai", "model": "gpt-4o-mini", "sampling": { "temperature": 0.7, "max_tokens": 300, "stop": ["\n\n"] } },
            "embeddings": { "endpoint": "openai", "model": "text-embedding-3-small" }
          },
          "prices": { "gpt-4o-mini": { "input_per_million": 0.15, "output_per_million": 0.6 } }
        }
        """;

    [Fact]
    public void FromJson_ValidSection_BindsEveryField()
    {
        var o = LlmOptionsLoader.FromJson(Valid);

        var ep = o.Endpoints["openai"];
        Assert.Equal("OPENAI_API_KEY", ep.ApiKeyEnv);
        Assert.Equal(4, ep.MaxConcurrency);
        Assert.Equal(30, ep.RequestTimeoutS);
        Assert.Equal(3, ep.Retry.MaxAttempts);
        Assert.Equal(500, ep.Retry.BaseDelayMs);
        Assert.Equal(10_000, ep.Retry.MaxDelayMs); // default kept
        Assert.False(ep.SendMaxTokens);
        Assert.Equal(0.7, o.Roles["explainer"].Sampling.Temperature);
        Assert.Equal(["\n\n"], o.Roles["explainer"].Sampling.Stop!);
        Assert.Equal(0.6, o.Prices["gpt-4o-mini"].OutputPerMillion);
    }

    [Theory]
    [InlineData("\"modle\": \"x\"", "unknown key 'modle'", "did you mean 'model'")]
    [InlineData("\"sampling\": { \"temprature\": 1 }", "unknown key 'temprature'", "did you mean 'temperature'")]
    public void FromJson_UnknownKey_NamesItAndTheNearest(string extra, string what, string hint)
    {
        string json = Valid.Replace("\"model\": \"text-embedding-3-small\"", "\"model\": \"text-embedding-3-small\", " + extra);
        var e = Assert.Throws<LlmConfigException>(() => LlmOptionsLoader.FromJson(json));
        Assert.Contains(what, e.Message);
        Assert.Contains(hint, e.Message);
    }

    [Fact]
    public void FromJson_UnknownTopLevelKey_NamesTheNearest()
    {
        var e = Assert.Throws<LlmConfigException>(() => LlmOptionsLoader.FromJson(Valid.Replace("\"prices\"", "\"price\"")));
        Assert.Contains("did you mean 'prices'", e.Message);
    }

    [Fact]
    public void FromJson_WrongType_NamesTheKeyAndTheExpectedType()
    {
        var e = Assert.Throws<LlmConfigException>(() => LlmOptionsLoader.FromJson(Valid.Replace("\"max_concurrency\": 4", "\"max_concurrency\": \"four\"")));
        Assert.Contains("max_concurrency", e.Message);
        Assert.Contains("an integer", e.Message);
    }

    [Theory]
    [InlineData("\"endpoint\": \"openai\", \"model\": \"gpt-4o-mini\"", "\"endpoint\": \"opnai\", \"model\": \"gpt-4o-mini\"", "did you mean 'openai'")]
    [InlineData("\"explainer\":", "\"explainr\":", "did you mean 'explainer'")]
    [InlineData("\"api_key_env\": \"OPENAI_API_KEY\"", "\"api_key_env\": \"sk-abc123\"", "never put the key itself")]
    [InlineData("\"base_url\": \"https://api.openai.com/v1\"", "\"base_url\": \"api.openai.com\"", "base_url: expected an http(s) URL")]
    [InlineData("\"max_concurrency\": 4", "\"max_concurrency\": 0", "max_concurrency: expected an integer >= 1")]
    [InlineData("\"temperature\": 0.7", "\"temperature\": 3", "sampling.temperature: expected a number in [0, 2]")]
    [InlineData("\"output_per_million\": 0.6", "\"output_per_million\": -1", "output_per_million: expected a price >= 0")]
    [InlineData("\"base_delay_ms\": 500", "\"base_delay_ms\": 50000", "retry.max_delay_ms")]
    public void FromJson_InvalidValue_MessageNamesTheKey(string from, string to, string expected)
    {
        var e = Assert.Throws<LlmConfigException>(() => LlmOptionsLoader.FromJson(Valid.Replace(from, to)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ResolveApiKey_VariableMissing_NamesVariableAndKey()
    {
        var o = LlmOptionsLoader.FromJson(Valid);
        var e = Assert.Throws<LlmConfigException>(() => LlmOptionsLoader.ResolveApiKey(o, "openai", _ => null));
        Assert.Contains("OPENAI_API_KEY", e.Message);
        Assert.Contains("Llm.endpoints.openai.api_key_env", e.Message);
        Assert.Equal("k", LlmOptionsLoader.ResolveApiKey(o, "openai", _ => "k"));
    }

    [Fact]
    public void FromConfiguration_SameSectionAsJson_SameOptions()
    {
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("{ \"Llm\": " + Valid + " }"))).Build();

        var viaConfig = LlmOptionsLoader.FromConfiguration(config);
        var viaJson = LlmOptionsLoader.FromJson(Valid);

        // IConfiguration orders keys alphabetically; DeepEquals compares objects as unordered sets of properties.
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.JsonSerializer.SerializeToNode(viaJson, StrictJson.Options),
            System.Text.Json.JsonSerializer.SerializeToNode(viaConfig, StrictJson.Options)));
        Assert.Equal(["\n\n"], viaConfig.Roles["explainer"].Sampling.Stop!);
        Assert.False(viaConfig.Endpoints["openai"].SendMaxTokens);
    }

    [Fact]
    public void FromAppSettings_RepositoryFile_IsValidAndConfiguresEveryRole()
    {
        string path = Path.Combine(RepoRoot(), "appsettings.json");
        var o = LlmOptionsLoader.FromAppSettings(path);
        foreach (var role in LlmRoles.All) Assert.True(o.Roles.ContainsKey(role.Key()), role.Key());
    }

    [Fact]
    public void FromAppSettings_NoLlmSection_SaysWhatToAdd()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{ \"llm\": {} }");
            var e = Assert.Throws<LlmConfigException>(() => LlmOptionsLoader.FromAppSettings(path));
            Assert.Contains("no 'Llm' section (found 'llm'; the name is case-sensitive)", e.Message);
        }
        finally { File.Delete(path); }
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Agent.sln) not found above the test binaries");
    }
}

// Reads the `Llm` section (from appsettings.json, a JSON string, or an IConfiguration) into LlmOptions and
// validates it. Every error names the key path, what was expected and what to do; nothing here opens a network.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Interp.Models;
using Microsoft.Extensions.Configuration;

namespace Interp.Agent.Llm.Options;

public static partial class LlmOptionsLoader
{
    public const string Section = "Llm";

    /// <summary>The `Llm` section of an appsettings.json file.</summary>
    public static LlmOptions FromAppSettings(string path)
    {
        if (!File.Exists(path))
            throw new LlmConfigException($"configuration file '{path}' not found; pass --config FILE or run from the repository root");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new LlmConfigException($"{path}: not valid JSON ({e.Message}); fix the file"); }
        if (root is not JsonObject obj) throw new LlmConfigException($"{path}: expected a JSON object at the top; fix the file");
        if (!obj.TryGetPropertyValue(Section, out var section) || section is null)
        {
            var near = obj.Select(p => p.Key).Where(k => NameSuggestions.Distance(k, Section) <= 2).ToList();
            throw new LlmConfigException($"{path}: no '{Section}' section" + (near.Count > 0 ? $" (found '{near[0]}'; the name is case-sensitive)" : "") +
                                         "; add one (see docs/llm.md)");
        }
        return FromJson(section.ToJsonString(), $"{path}: {Section}");
    }

    public static LlmOptions FromJson(string json, string source = Section)
    {
        var o = StrictJson.Deserialize<LlmOptions>(json, source);
        Validate(o, source);
        return o;
    }

    /// <summary>The `Llm` section of an IConfiguration (the hosted service's path; values arrive as strings).</summary>
    public static LlmOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.Exists()) throw new LlmConfigException($"configuration: no '{Section}' section; add one to appsettings.json (see docs/llm.md)");
        return FromJson(ToJson(section)?.ToJsonString() ?? "{}", $"configuration: {Section}");
    }

    private static JsonNode? ToJson(IConfigurationSection s)
    {
        var children = s.GetChildren().ToList();
        if (children.Count == 0)
        {
            string? v = s.Value;
            if (v is null) return null;
            if (bool.TryParse(v, out bool b)) return JsonValue.Create(b); // the JSON provider stores true as "True"
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && NumberLike().IsMatch(v))
                return JsonNode.Parse(v);
            return JsonValue.Create(v);
        }
        if (children.All(c => int.TryParse(c.Key, out _)))
            return new JsonArray(children.OrderBy(c => int.Parse(c.Key)).Select(ToJson).ToArray());
        var o = new JsonObject();
        foreach (var c in children)
            if (ToJson(c) is { } v) o[c.Key] = v;   // an empty object ("prices": {}) or a null arrives as a section without value: leave it out
        return o;
    }

    [GeneratedRegex(@"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")]
    private static partial Regex NumberLike();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    public static void Validate(LlmOptions o, string source)
    {
        foreach (var (name, e) in o.Endpoints)
        {
            string at = $"{source}.endpoints.{name}";
            if (!Uri.TryCreate(e.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new LlmConfigException($"{at}.base_url: expected an http(s) URL such as http://127.0.0.1:8000/v1, found '{e.BaseUrl}'; fix the value");
            if (e.ApiKeyEnv is { } env)
            {
                if (env.StartsWith("sk-", StringComparison.Ordinal) || !EnvName().IsMatch(env))
                    throw new LlmConfigException($"{at}.api_key_env: expected the NAME of an environment variable (e.g. OPENAI_API_KEY), found something else; " +
                                                 "never put the key itself in the configuration");
            }
            Require(e.MaxConcurrency >= 1, $"{at}.max_concurrency", "an integer >= 1", e.MaxConcurrency);
            Require(e.RequestTimeoutS > 0, $"{at}.request_timeout_s", "seconds > 0", e.RequestTimeoutS);
            var r = e.Retry;
            Require(r.MaxAttempts >= 1, $"{at}.retry.max_attempts", "an integer >= 1 (1 = no retry)", r.MaxAttempts);
            Require(r.BaseDelayMs >= 0, $"{at}.retry.base_delay_ms", "milliseconds >= 0", r.BaseDelayMs);
            Require(r.MaxDelayMs >= r.BaseDelayMs, $"{at}.retry.max_delay_ms", $"milliseconds >= base_delay_ms ({r.BaseDelayMs})", r.MaxDelayMs);
            Require(r.Jitter is >= 0 and <= 1, $"{at}.retry.jitter", "a fraction in [0, 1]", r.Jitter);
            Require(r.MaxRetryAfterS >= 0, $"{at}.retry.max_retry_after_s", "seconds >= 0", r.MaxRetryAfterS);
            var c = e.CircuitBreaker;
            Require(c.FailureRatio is > 0 and <= 1, $"{at}.circuit_breaker.failure_ratio", "a fraction in (0, 1]", c.FailureRatio);
            Require(c.MinimumThroughput >= 2, $"{at}.circuit_breaker.minimum_throughput", "an integer >= 2", c.MinimumThroughput);
            Require(c.SamplingS >= 0.5, $"{at}.circuit_breaker.sampling_s", "seconds >= 0.5", c.SamplingS);
            Require(c.BreakS >= 0.5, $"{at}.circuit_breaker.break_s", "seconds >= 0.5", c.BreakS);
            Require(c.DownAfterOpens >= 1, $"{at}.circuit_breaker.down_after_opens", "an integer >= 1", c.DownAfterOpens);
        }
        foreach (var (key, role) in o.Roles)
        {
            string at = $"{source}.roles.{key}";
            LlmRoles.Parse(key, $"{source}.roles");
            if (!o.Endpoints.ContainsKey(role.Endpoint))
                throw new LlmConfigException($"{at}.endpoint: no endpoint named '{role.Endpoint}'" +
                    (o.Endpoints.Count > 0 ? $"; did you mean '{NameSuggestions.Nearest(o.Endpoints.Keys, role.Endpoint, 1).First()}'?" : "; add it under endpoints"));
            if (string.IsNullOrWhiteSpace(role.Model))
                throw new LlmConfigException($"{at}.model: expected the model id the endpoint serves (see `interp llm probe`), found nothing; give a value");
            var s = role.Sampling;
            Require(s.Temperature is null or (>= 0 and <= 2), $"{at}.sampling.temperature", "a number in [0, 2]", s.Temperature);
            Require(s.TopP is null or (> 0 and <= 1), $"{at}.sampling.top_p", "a number in (0, 1]", s.TopP);
            Require(s.MaxTokens is null or >= 1, $"{at}.sampling.max_tokens", "an integer >= 1", s.MaxTokens);
            Require(s.PresencePenalty is null or (>= -2 and <= 2), $"{at}.sampling.presence_penalty", "a number in [-2, 2]", s.PresencePenalty);
            Require(s.FrequencyPenalty is null or (>= -2 and <= 2), $"{at}.sampling.frequency_penalty", "a number in [-2, 2]", s.FrequencyPenalty);
        }
        foreach (var (model, p) in o.Prices)
        {
            Require(double.IsFinite(p.InputPerMillion) && p.InputPerMillion >= 0, $"{source}.prices.{model}.input_per_million", "a price >= 0", p.InputPerMillion);
            Require(double.IsFinite(p.OutputPerMillion) && p.OutputPerMillion >= 0, $"{source}.prices.{model}.output_per_million", "a price >= 0", p.OutputPerMillion);
        }
        if (string.IsNullOrWhiteSpace(o.StorePath)) throw new LlmConfigException($"{source}.store_path: expected a file path; give one");
        Require(o.ProbeTtlHours > 0, $"{source}.probe_ttl_hours", "hours > 0", o.ProbeTtlHours);
    }

    private static void Require(bool ok, string key, string expected, object? found)
    {
        if (!ok) throw new LlmConfigException($"{key}: expected {expected}, found {Convert.ToString(found, CultureInfo.InvariantCulture)}; fix the value");
    }

    /// <summary>The API key for an endpoint from the environment variable its config names (null when it names none).</summary>
    public static string? ResolveApiKey(LlmOptions o, string endpoint, Func<string, string?> env)
    {
        var e = o.Endpoints[endpoint];
        if (e.ApiKeyEnv is null) return null;
        string? key = env(e.ApiKeyEnv);
        if (string.IsNullOrEmpty(key))
            throw new LlmConfigException($"{Section}.endpoints.{endpoint}.api_key_env names the environment variable {e.ApiKeyEnv}, which is not set; " +
                                         $"export {e.ApiKeyEnv}=<key>, or remove api_key_env for a server without keys");
        return key;
    }

    /// <summary>Expands a leading `~/` to the home folder.</summary>
    public static string ExpandPath(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}

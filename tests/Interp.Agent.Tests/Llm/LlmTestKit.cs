// Shared set-up for LLM-layer tests: a stand-in server on loopback and an LlmClient pointed at it with millisecond
// retry delays, no jitter (so schedules are exact) and its own store. Each test gets its own client (own pipeline,
// circuit breaker and limiter).
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Store;
using Interp.Agent.StandIn;

namespace Interp.Agent.Tests.Llm;

internal static class LlmTestKit
{
    public const string Model = "stand-in";

    /// <summary>Retry delays of 10 ms doubling to a 80 ms cap, 4 attempts, no jitter; 2 s per-attempt timeout.</summary>
    public static LlmEndpointOptions FastEndpoint(Uri baseUrl) => new()
    {
        BaseUrl = baseUrl.ToString(),
        MaxConcurrency = 8,
        RequestTimeoutS = 2,
        Retry = new LlmRetryOptions { MaxAttempts = 4, BaseDelayMs = 10, MaxDelayMs = 80, Jitter = 0, MaxRetryAfterS = 5 },
        CircuitBreaker = new LlmCircuitBreakerOptions { FailureRatio = 1.0, MinimumThroughput = 100, SamplingS = 30, BreakS = 30 },
    };

    public static LlmOptions Options(Uri baseUrl, Func<LlmEndpointOptions, LlmEndpointOptions>? endpoint = null, string storePath = ":memory:")
    {
        var ep = FastEndpoint(baseUrl);
        if (endpoint is not null) ep = endpoint(ep);
        var roles = LlmRoles.All.ToDictionary(r => r.Key(), _ => new LlmRoleOptions { Endpoint = "stand", Model = Model });
        return new LlmOptions
        {
            Endpoints = new() { ["stand"] = ep },
            Roles = roles,
            Prices = new() { [Model] = new LlmPrice { InputPerMillion = 2.0, OutputPerMillion = 8.0 } },
            StorePath = storePath,
        };
    }

    public static LlmClient Client(LlmOptions options, Func<string, string?>? env = null, LlmStore? store = null) =>
        new(options, new LlmClientSettings { JitterSource = () => 0, Environment = env ?? (_ => null), Store = store });

    public static Task<StandInServer> Server(string scriptJson) => StandInServer.StartAsync(StandInScript.Parse(scriptJson, "test script"));

    /// <summary>A script that answers every chat with <paramref name="content"/> after the given rules.</summary>
    public static string Script(string content = "ok", params string[] rulesBefore) =>
        "{ \"rules\": [" + string.Concat(rulesBefore.Select(r => r + ",")) +
        $$"""{ "name": "default", "when": { "path": "chat" }, "reply": { "content": {{System.Text.Json.JsonSerializer.Serialize(content)}} } }] }""";

    public static string TempDb() => Path.Combine(Path.GetTempPath(), $"interp-llm-{Guid.NewGuid():N}.db");

    /// <summary>Deletes a <see cref="TempDb"/> with its WAL files (pooled connections closed first).</summary>
    public static void DeleteDb(string db)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { db, db + "-wal", db + "-shm" }) if (File.Exists(f)) File.Delete(f);
    }
}

// The hosted worker's own appsettings sections as typed records (snake_case keys, read by SettingsReader through
// ConfigJson): Worker (job queue), Auth (API keys), Schedules (eval suites), Models and Saes (the catalog). Each
// Validate names the key and what to do. Secrets are never values here: only the NAMES of environment variables.
using System.Text.RegularExpressions;
using Interp.Errors;

namespace Interp.Serve.Settings;

public sealed record WorkerOptions
{
    public const string Sqlite = "sqlite", Postgres = "postgres";

    /// <summary>"sqlite" (one serve process, the default) or "postgres" (several processes share the queue).</summary>
    public string Store { get; init; } = Sqlite;
    /// <summary>The SQLite queue file; `~/` is the home folder.</summary>
    public string SqlitePath { get; init; } = "data/serve/jobs.db";
    /// <summary>The NAME of the environment variable holding the PostgreSQL connection string (store "postgres").</summary>
    public string PostgresEnv { get; init; } = "INTERP_POSTGRES";
    /// <summary>Jobs run at once by this process.</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>A running job's lease; renewed every third of it. A job whose lease ran out (its process died) is taken over.</summary>
    public double LeaseS { get; init; } = 30;
    /// <summary>How often an idle worker looks for queued jobs.</summary>
    public double PollS { get; init; } = 1;
    /// <summary>On SIGTERM the running jobs checkpoint and the host exits within this many seconds.</summary>
    public double ShutdownS { get; init; } = 20;
    /// <summary>A job started this many times (crashes, take-overs) without ending is failed instead of started again.</summary>
    public int MaxAttempts { get; init; } = 5;
    /// <summary>Folder for what jobs write (latent caches, run stores, eval runs) when a job does not say.</summary>
    public string DataDir { get; init; } = "data/serve";
    /// <summary>For demos and tests, 0 (off) otherwise: a running job waits this long after each progress report, so that
    /// it can be watched or interrupted part-way whatever the machine's speed (a fast machine finishes a small job between
    /// two polls).</summary>
    public int StepPauseMs { get; init; }

    public void Validate(string at)
    {
        if (Store is not (Sqlite or Postgres)) throw Bad($"{at}.store", $"is '{Store}'", "use \"sqlite\" or \"postgres\"");
        if (Store == Sqlite && string.IsNullOrWhiteSpace(SqlitePath)) throw Bad($"{at}.sqlite_path", "is empty", "name the queue's SQLite file");
        if (!EnvNames.IsName(PostgresEnv)) throw Bad($"{at}.postgres_env", "is not an environment variable name", "give the NAME of the variable holding the connection string, never the string");
        if (Concurrency is < 1 or > 64) throw Bad($"{at}.concurrency", $"is {Concurrency}", "use 1..64");
        if (!(LeaseS >= 1 && LeaseS <= 3600)) throw Bad($"{at}.lease_s", $"is {LeaseS}", "use 1..3600 seconds");
        if (!(PollS > 0 && PollS <= 60)) throw Bad($"{at}.poll_s", $"is {PollS}", "use (0, 60] seconds");
        if (!(ShutdownS >= 1 && ShutdownS <= 600)) throw Bad($"{at}.shutdown_s", $"is {ShutdownS}", "use 1..600 seconds");
        if (MaxAttempts is < 1 or > 100) throw Bad($"{at}.max_attempts", $"is {MaxAttempts}", "use 1..100");
        if (string.IsNullOrWhiteSpace(DataDir)) throw Bad($"{at}.data_dir", "is empty", "name a folder");
        if (StepPauseMs is < 0 or > 60_000) throw Bad($"{at}.step_pause_ms", $"is {StepPauseMs}", "use 0 (off, for production) .. 60000");
    }

    internal static ConfigException Bad(string key, string found, string hint) => new($"{key} {found}", "appsettings.json", key, hint);
}

public enum ApiScope { Read, Admin }

public sealed record ApiKeyOptions
{
    /// <summary>Who the key belongs to (logs, rate-limit partition, jobs' submitted_by).</summary>
    public string Name { get; init; } = "";
    /// <summary>read: GET routes, search, read-only tools; admin: also jobs, tools that change state, chat.</summary>
    public ApiScope Scope { get; init; } = ApiScope.Read;
    /// <summary>The NAME of the environment variable holding the key.</summary>
    public string KeyEnv { get; init; } = "";
    /// <summary>Requests per minute for this key (token bucket, refilled every second).</summary>
    public int RequestsPerMinute { get; init; } = 600;
}

public sealed record AuthOptions
{
    public List<ApiKeyOptions> Keys { get; init; } = [];
    /// <summary>Let requests without a key read (GET pages and read routes) at <see cref="AnonymousRequestsPerMinute"/>.</summary>
    public bool AnonymousRead { get; init; } = true;
    public int AnonymousRequestsPerMinute { get; init; } = 6000;
    /// <summary>Largest request body accepted (bytes); larger ones get 413.</summary>
    public long MaxBodyBytes { get; init; } = 1 << 20;

    public void Validate(string at)
    {
        var names = new HashSet<string>();
        for (int i = 0; i < Keys.Count; i++)
        {
            var k = Keys[i];
            string a = $"{at}.keys[{i}]";
            if (string.IsNullOrWhiteSpace(k.Name) || !names.Add(k.Name)) throw WorkerOptions.Bad($"{a}.name", $"is '{k.Name}'", "give each key a unique name");
            if (!EnvNames.IsName(k.KeyEnv)) throw WorkerOptions.Bad($"{a}.key_env", "is not an environment variable name", "give the NAME of the variable holding the key, never the key");
            if (k.RequestsPerMinute is < 1 or > 1_000_000) throw WorkerOptions.Bad($"{a}.requests_per_minute", $"is {k.RequestsPerMinute}", "use 1..1000000");
        }
        if (AnonymousRequestsPerMinute is < 1 or > 1_000_000) throw WorkerOptions.Bad($"{at}.anonymous_requests_per_minute", $"is {AnonymousRequestsPerMinute}", "use 1..1000000");
        if (MaxBodyBytes is < 1024 or > 1L << 30) throw WorkerOptions.Bad($"{at}.max_body_bytes", $"is {MaxBodyBytes}", "use 1024..1073741824");
    }
}

/// <summary>The rendered feature-page cache (FeaturePageCache): pages are served from it while the data they were
/// rendered from is unchanged. cache_mb 0 turns it off (every request renders).</summary>
public sealed record PagesOptions
{
    public int CacheMb { get; init; } = 64;
    public int CacheEntries { get; init; } = 4096;

    public void Validate(string at)
    {
        if (CacheMb is < 0 or > 65536) throw WorkerOptions.Bad($"{at}.cache_mb", $"is {CacheMb}", "use 0 (off) .. 65536");
        if (CacheEntries is < 1 or > 10_000_000) throw WorkerOptions.Bad($"{at}.cache_entries", $"is {CacheEntries}", "use 1..10000000");
    }
}

/// <summary>A model the server can load, by name.</summary>
public sealed record ModelEntry
{
    /// <summary>Hugging Face checkpoint folder.</summary>
    public string Path { get; init; } = "";
    /// <summary>Serve the tools (tool calls, chat, MCP) on this model; when none is marked, the first model.</summary>
    public bool Tools { get; init; }
}

/// <summary>An SAE the server knows, by name: its folder, the model it reads, and its latent cache (for feature pages).</summary>
public sealed record SaeEntry
{
    public string Path { get; init; } = "";
    /// <summary>A key of Models.</summary>
    public string Model { get; init; } = "";
    /// <summary>Its latent cache (built by `interp cache build` or a cache_build job); null = none yet.</summary>
    public string? Cache { get; init; }
    /// <summary>The labeling run store whose labels and scores the feature page shows; null = labels come from the index.</summary>
    public string? Labels { get; init; }
}

public static partial class EnvNames
{
    public static bool IsName(string? s) => s is not null && !s.StartsWith("sk-", StringComparison.Ordinal) && Name().IsMatch(s);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex Name();
}

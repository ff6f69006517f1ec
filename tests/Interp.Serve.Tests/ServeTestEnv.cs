// What the server tests share: the repository root, a scratch folder with a server configuration (toy SAE, SQLite
// queue, short leases, API keys in environment variables), a free loopback port, and where artifacts (screenshots, the
// hostile-request table, load figures) are kept: artifacts/serve-tests/ under the repository (gitignored).
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Interp.Serve.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServeCollection { public const string Name = "Serve"; }

public static class ServeTestEnv
{
    public const string AdminKey = "admin-key-0123456789abcdef", ReadKey = "read-key-0123456789abcdef";
    public const string AdminEnv = "INTERP_TEST_ADMIN_KEY", ReadEnv = "INTERP_TEST_READ_KEY";
    public const string Sae = "toy-small-resid2-topk";

    static ServeTestEnv()
    {
        Environment.SetEnvironmentVariable(AdminEnv, AdminKey);
        Environment.SetEnvironmentVariable(ReadEnv, ReadKey);
    }

    public static void Init() { }

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
            throw new DirectoryNotFoundException("no Agent.sln above the test binaries");
        }
    }

    public static string Artifacts
    {
        get
        {
            string d = Path.Combine(RepoRoot, "artifacts", "serve-tests");
            Directory.CreateDirectory(d);
            return d;
        }
    }

    public static string InterpDll => Path.Combine(AppContext.BaseDirectory, "interp.dll");
    public static string ToyIds => Path.Combine(RepoRoot, "evals/data/toy/heldout-seed2-ids-64x512.json");

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Writes appsettings.json for a server whose files live in <paramref name="dir"/>; <paramref name="edit"/>
    /// changes it further (e.g. the worker's store).</summary>
    public static string WriteConfig(string dir, Action<JsonObject>? edit = null, double leaseS = 2, string? cache = null, int rpmAdmin = 600_000, string llmBaseUrl = "http://127.0.0.1:9/v1")
    {
        string root = RepoRoot;
        var o = new JsonObject
        {
            ["Llm"] = JsonNode.Parse($$"""
                { "store_path": "{{Path.Combine(dir, "llm.db")}}", "endpoints": { "local": { "base_url": "{{llmBaseUrl}}", "max_concurrency": 2, "request_timeout_s": 5, "retry": { "max_attempts": 1 } } },
                  "roles": { "agent": { "endpoint": "local", "model": "stand-in" } } }
                """),
            ["Index"] = new JsonObject { ["backend"] = "embedded", ["embedded"] = new JsonObject { ["path"] = Path.Combine(dir, "index.db") } },
            ["Models"] = new JsonObject { ["toy-small"] = new JsonObject { ["path"] = Path.Combine(root, "evals/models/toy-small") } },
            ["Saes"] = new JsonObject
            {
                [Sae] = new JsonObject { ["path"] = Path.Combine(root, "evals/saes/toy-small-resid2-topk"), ["model"] = "toy-small", ["cache"] = cache ?? Path.Combine(dir, "toy.cache.db") },
            },
            ["Worker"] = new JsonObject { ["sqlite_path"] = Path.Combine(dir, "jobs.db"), ["lease_s"] = leaseS, ["poll_s"] = 0.2, ["shutdown_s"] = 10, ["data_dir"] = dir },
            ["Schedules"] = new JsonObject
            {
                ["quartz_sqlite_path"] = Path.Combine(dir, "quartz.db"),
                ["suites"] = new JsonArray(new JsonObject
                {
                    ["name"] = "toy-gt", ["kind"] = "ground_truth", ["sae"] = Sae, ["features"] = 40, ["world"] = Path.Combine(root, "evals/worlds/toy-v1"),
                }),
            },
            ["Auth"] = new JsonObject
            {
                ["keys"] = new JsonArray(
                    new JsonObject { ["name"] = "admin", ["scope"] = "admin", ["key_env"] = AdminEnv, ["requests_per_minute"] = rpmAdmin },
                    new JsonObject { ["name"] = "reader", ["scope"] = "read", ["key_env"] = ReadEnv, ["requests_per_minute"] = 600_000 }),
                ["anonymous_read"] = true, ["anonymous_requests_per_minute"] = 600_000, ["max_body_bytes"] = 65536,
            },
        };
        edit?.Invoke(o);
        string path = Path.Combine(dir, "appsettings.json");
        File.WriteAllText(path, o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}

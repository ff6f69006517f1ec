// A fresh PostgreSQL database per test on the server INTERP_TEST_POSTGRES names (.ci/run starts a throwaway cluster on
// loopback with scripts/pg-throwaway.sh and sets it). Without the variable the PostgreSQL tests say so and pass without
// running (a developer machine without the cluster).
using Npgsql;

namespace Interp.Serve.Tests.Postgres;

public sealed class PgTestDb : IAsyncDisposable
{
    public const string Variable = "INTERP_TEST_POSTGRES";
    private readonly string _admin;
    public string Name { get; }
    public string ConnectionString { get; }

    private PgTestDb(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public static string? Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    public static async Task<PgTestDb?> CreateAsync()
    {
        if (Server is not { } admin) return null;
        string name = "interp_t_" + Guid.NewGuid().ToString("N")[..10];
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync();
        await using (var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c)) await cmd.ExecuteNonQueryAsync();
        return new PgTestDb(admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}

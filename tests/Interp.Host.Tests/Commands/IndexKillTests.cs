// Crash safety of the embedded index: `interp index` killed (SIGKILL) while it writes leaves a file that opens, passes
// SQLite's integrity check and holds whole batches only; running the same command again completes the index.
using System.Diagnostics;
using Interp.Dictionaries.Analysis;
using Interp.Index;
using Interp.Index.Embedded;
using Interp.Index.Embeddings;
using Interp.Index.Records;
using Microsoft.Data.Sqlite;

namespace Interp.Host.Tests.Commands;

[Collection(nameof(ConsoleSwap))]
public sealed class IndexKillTests : IDisposable
{
    private const int Records = 1200, Batch = 256;   // Index:UpsertBatch in the shipped appsettings.json
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-index-kill-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static long Count(string db)
    {
        try
        {
            using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM features";
            return (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException) { return -1; }   // not created yet
    }

    [Fact]
    public async Task Index_KilledWhileWriting_WholeBatchesThenRerunCompletes()
    {
        string saeDir = IndexSearchCliTests.SaeDir;
        var sae = new SaeIdentity(DecoderDirections.Fingerprint(saeDir), "english-small-resid2-topk", "blocks.2.hook_resid_post", 2, 256, 2048, "topk");
        string records = Path.Combine(_dir, "records.jsonl"), db = Path.Combine(_dir, "index.db");
        File.WriteAllLines(records, Enumerable.Range(0, Records).Select(i => FeatureRecordJson.Serialize(new FeatureRecord
        {
            Sae = sae, Model = new ModelIdentity("m", "english-small", "gpt2"), Feature = i,
            Explanations = [new Explanation($"feature {i}: words about topic number {i % 37} in context {i / 37}", "offline", null, null, null, [])],
            Provenance = new Provenance("run-1", DateTimeOffset.Parse("2026-12-01T00:00:00Z"), "test"),
        })));
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "interp.dll"), "index", "--records", records, "--index", db])
            { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        using var p = Process.Start(psi)!;
        var watch = Stopwatch.StartNew();
        long seen = -1;
        while (!p.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            seen = Count(db);
            if (seen >= Batch) { p.Kill(entireProcessTree: true); break; }
            await Task.Delay(20);
        }
        await p.WaitForExitAsync();
        Assert.True(seen >= Batch && seen < Records, $"the kill did not land while writing (saw {seen} rows; exit code {p.ExitCode}: {await p.StandardError.ReadToEndAsync()})");

        long after = Count(db);
        Assert.True(after % Batch == 0 && after >= seen && after < Records, $"{after} rows after the kill: not whole batches of {Batch}");
        using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string)cmd.ExecuteScalar()!);
        }

        var (code, stdout, stderr) = IndexSearchCliTests.Interp("index", "--records", records, "--index", db);
        Assert.True(code == 0, stderr);
        Assert.Contains($"it now holds {Records} features", stdout);
        await using var index = await FeatureIndex.OpenAsync(new EmbeddedFeatureStore(db, create: false), new MiniLmEmbeddingGenerator());
        Assert.Equal(Records, await index.CountAsync(new FeatureFilter { Labeled = true }));
    }
}

// The run store on its own: a pending row per feature and stage at creation, writes read back (also read-only), a
// resume with other settings is refused naming the setting, another file is refused, and a full disk (SQLite's page
// limit standing in for it) is a clear error after which the store still opens and holds everything committed before.
using Interp.Agent.Explainers;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Labeling.Store;
using Interp.Index.Records;

namespace Interp.Agent.Tests.Labeling;

public sealed class RunStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-runstore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static RunManifest Manifest(IReadOnlyList<int>? features = null, IReadOnlyList<string>? scorers = null) =>
        new("/m", new ModelIdentity("mid", "m", "gpt2"), "/s", new SaeIdentity("sid", "s", "blocks.0.hook_resid_post", 0, 8, 16, "topk"), "/c",
            new Dictionary<string, string> { ["sae_fingerprint"] = "sid" }, features ?? [0, 1, 2], "offline", scorers ?? ["simulation"], ["simulation"],
            new ExampleOptions(), new OfflineExplainerOptions(), 0, 1000, new Dictionary<string, string> { ["simulator"] = "simulator@1" }, null);

    private static FeatureRecord Record(int f, RunStore s) => new()
    {
        Sae = s.Manifest.Sae, Model = s.Manifest.Model, Feature = f, Provenance = new Provenance(s.RunId, s.CreatedAt, "test"),
        Explanations = [new Explanation("x", "offline", null, null, null, [])],
    };

    [Fact]
    public void OpenOrCreate_New_PendingRowPerFeatureAndStage()
    {
        using var s = RunStore.OpenOrCreate(Path.Combine(_dir, "a.db"), Manifest());
        var all = s.AllStages();
        Assert.Equal([0, 1, 2], all.Keys.Order());
        Assert.All(all.Values, rows => Assert.Equal(["evidence", "explain", "score:simulation", "score:simulation_shuffled"], rows.Keys.Order(StringComparer.Ordinal)));
        Assert.All(all.Values.SelectMany(r => r.Values), r => Assert.Equal(StageStatus.Pending, r.Status));
        Assert.StartsWith("run-", s.RunId);
    }

    [Fact]
    public void Write_StageAndRecord_ReadBackAlsoReadOnly()
    {
        var path = Path.Combine(_dir, "b.db");
        using (var s = RunStore.OpenOrCreate(path, Manifest()))
        {
            var row = s.Stages(1)["explain"] with { Status = StageStatus.Failed, Kind = FailureKinds.HttpStatus, Reason = "503", Raw = "busy", Attempts = 1, Usage = new StageUsage(1, 100, 5, 0.01) };
            s.Write([row]);
            s.Write([row with { Usage = new StageUsage(1, 50, 5, 0.02) }], Record(1, s));
        }
        using var r = RunStore.OpenRead(path);
        var back = r.Stages(1)["explain"];
        Assert.Equal((StageStatus.Failed, FailureKinds.HttpStatus, "503", "busy"), (back.Status, back.Kind, back.Reason, back.Raw));
        Assert.True(back.NeedsWork, "a transient failure is retried");
        Assert.Equal(2, back.Usage.Calls);
        Assert.True(Math.Abs(back.Usage.CostUsd - 0.03) < 1e-12);
        Assert.Equal("x", Assert.Single(r.ReadRecords()).Explanations[0].Text);
        Assert.Null(r.ReadRecord(0));
        Assert.Equal(2, r.Summary().Usage.Calls);
    }

    [Fact]
    public void OpenOrCreate_OtherSettings_RefusedNamingTheSetting()
    {
        var path = Path.Combine(_dir, "c.db");
        RunStore.OpenOrCreate(path, Manifest()).Dispose();
        using (RunStore.OpenOrCreate(path, Manifest() with { ModelDir = "/moved" })) { }   // paths may move
        var e = Assert.Throws<ArgumentException>(() => RunStore.OpenOrCreate(path, Manifest(scorers: ["simulation", "embedding"])));
        Assert.Contains("scorers", e.Message);
        Assert.Contains("same arguments", e.Message);
        e = Assert.Throws<ArgumentException>(() => RunStore.OpenOrCreate(path, Manifest() with { Examples = new ExampleOptions(Window: 7) }));
        Assert.Contains("examples.window", e.Message);
    }

    [Fact]
    public void OpenRead_NotARunStore_ClearError()
    {
        var path = Path.Combine(_dir, "other.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE t(x); CREATE TABLE meta(key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'something');";
            cmd.ExecuteNonQuery();
        }
        Assert.Contains("not an Interp labeling run store", Assert.Throws<InvalidDataException>(() => RunStore.OpenRead(path)).Message);
        Assert.Throws<FileNotFoundException>(() => RunStore.OpenRead(Path.Combine(_dir, "absent.db")));
    }

    [Fact]
    public void Write_DiskFull_ClearErrorNothingLostStoreReadable()
    {
        var path = Path.Combine(_dir, "full.db");
        var features = Enumerable.Range(0, 50).ToList();
        var rng = new Interp.Tensors.Rng(5);
        string big = new(Enumerable.Range(0, 20_000).Select(_ => (char)('!' + rng.NextInt(90))).ToArray());   // incompressible: results are stored compressed
        int committed = 0;
        RunStoreWriteException? error = null;
        using (var s = RunStore.OpenOrCreate(path, Manifest(features), maxPageCount: 60))
        {
            foreach (var f in features)
            {
                try { s.Write([s.Stages(f)["evidence"] with { Status = StageStatus.Succeeded, Result = big, Attempts = 1 }]); committed++; }
                catch (RunStoreWriteException e) { error = e; break; }
            }
        }
        Assert.NotNull(error);
        Assert.Contains("disk is full", error!.Message);
        Assert.Contains("re-run the same command to resume", error.Message);
        Assert.InRange(committed, 1, features.Count - 1);
        using var r = RunStore.OpenRead(path);
        var rows = r.AllStages();
        Assert.Equal(committed, rows.Values.Count(x => x["evidence"].Succeeded));
        Assert.All(rows.Values.Where(x => x["evidence"].Succeeded), x => Assert.Equal(big, x["evidence"].Result));
    }
}

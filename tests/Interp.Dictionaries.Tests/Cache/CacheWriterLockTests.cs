// The latent cache's writer lock and first-instant leftovers, in process: a 0-byte file (what the earlier format left
// after a kill in its first instant) is built into, and a second build of the same cache in this process is refused
// naming this process. (The kills of a real `interp cache build` process are in Interp.Host.Tests/Commands/CacheKillTests.)
using Interp.Dictionaries.Cache;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class CacheWriterLockTests : IDisposable
{
    private const int Batch = 4;
    private readonly CacheTestData _d = new();

    public void Dispose() => _d.Dispose();

    private List<string> Uninterrupted()
    {
        string full = _d.Tmp.File("full.db");
        if (!File.Exists(full)) _d.Build(full, CacheTestData.Options(Batch));
        return CacheTestData.Dump(full);
    }

    /// <summary>What the earlier format left after a kill in its first instant: a 0-byte file. It is taken as a cache not yet
    /// created, not refused.</summary>
    [Fact]
    public void Build_OnAnEmptyFile_CreatesAndBuilds()
    {
        string db = _d.Tmp.File("empty.db");
        File.WriteAllBytes(db, []);
        File.WriteAllText(db + "-wal", "a log of a deleted database, which must not be replayed into the new one");
        _d.Build(db, CacheTestData.Options(Batch));
        Assert.Equal(Uninterrupted(), CacheTestData.Dump(db));
    }

    [Fact]
    public void Build_SameCacheTwiceInOneProcess_SecondRefused()
    {
        string db = _d.Tmp.File("twice.db");
        var e = Assert.Throws<LatentCacheInUseException>(() => _d.Build(db, progress: ev =>
        {
            if (ev.Stage == CacheStage.BatchCommitted) _d.Build(db);
        }));
        Assert.Equal(Environment.ProcessId, e.Pid);
        Assert.Contains("(this process)", e.Message);
        _d.Build(db);                                                   // the lock was released with the first build
        Assert.Equal(Uninterrupted(), CacheTestData.Dump(db));
    }
}

// Real kills: `interp cache build` runs as a separate process and is killed (SIGKILL: nothing is cleaned up) midway, at
// named instants from the very first (INTERP_CACHE_KILL_AT: right after taking the lock, with the new file created but
// empty, written but not yet renamed into place, ...), and as soon as its first file appears on disk; every file it leaves
// resumes in-process to exactly the rows of an uninterrupted build. And a second writer, in another process, is refused
// with the first one's process id.
using System.Diagnostics;
using Interp.Dictionaries.Cache;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class CacheKillTests : IDisposable
{
    private const int Contexts = 600, Batch = 4;   // long enough that the kill lands before finalize even on an idle machine
    private readonly CacheTestData _d = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public CacheKillTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    public void Dispose() => _d.Dispose();

    /// <summary>`interp cache build` over <paramref name="ids"/> into <paramref name="outPath"/> with the test options, as a child process.</summary>
    private Process StartBuild(string ids, string outPath, string? killAt = null)
    {
        var o = CacheTestData.Options(Batch);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "interp.dll"), "cache", "build", "--model", _d.ModelDir, "--sae", _d.SaeDir,
                     "--ids", ids, "--out", outPath, "--context", o.ContextLength.ToString(), "--batch", Batch.ToString(), "--top", o.TopK.ToString(),
                     "--quantiles", o.Quantiles.ToString(), "--per-quantile", o.PerQuantile.ToString(), "--random", o.RandomNegatives.ToString(),
                     "--window", o.Window.ToString(), "--seed", o.Seed.ToString(), "--histogram-bins", o.HistogramBins.ToString() })
            psi.ArgumentList.Add(a);
        if (killAt is not null) psi.Environment["INTERP_CACHE_KILL_AT"] = killAt;
        var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        return p;
    }

    private string LongIds()
    {
        var rng = new Rng(21);
        string ids = _d.Tmp.File("big-ids.txt");
        if (!File.Exists(ids))
            File.WriteAllText(ids, string.Join('\n', Enumerable.Range(0, Contexts).Select(_ =>
                string.Join(' ', Enumerable.Range(0, CacheTestData.ContextLength).Select(_ => rng.NextInt(101))))));
        return ids;
    }

    private List<string> Uninterrupted()
    {
        string full = _d.Tmp.File("full.db");
        if (!File.Exists(full)) _d.Build(full, CacheTestData.Options(Batch));
        return CacheTestData.Dump(full);
    }

    [Fact]
    public void Build_KilledMidway_ReadableAndResumesToTheUninterruptedRows()
    {
        string ids = LongIds(), killed = _d.Tmp.File("killed.db"), full = _d.Tmp.File("full-long.db");
        var o = CacheTestData.Options(Batch);
        using var p = StartBuild(ids, killed);
        string? line;
        while ((line = p.StandardError.ReadLine()) is not null && !line.Contains("contexts (")) { }
        Assert.True(line is not null, "the build ended before reporting a stored batch");
        p.Kill(entireProcessTree: true);
        p.WaitForExit();

        using (var cache = LatentCache.Open(killed))
        {
            Assert.False(cache.Info.Finalized, "the build finished before the kill; make the corpus longer");
            Assert.Equal(0, cache.Info.Contexts % Batch);
            // The kill follows the first progress line, but on an idle machine the child may store every batch before it
            // lands; what must hold is that the cache is readable, unfinished and resumes to the uninterrupted rows.
            Assert.InRange(cache.Info.Contexts, Batch, Contexts);
            Assert.Throws<InvalidDataException>(() => cache.Feature(0));
        }
        var resumed = LatentCacheBuilder.Build(killed, _d.Model, _d.Sae, Corpus.Ids(ids, 101), _d.Inputs, o);
        Assert.True(resumed.NewContexts <= Contexts - Batch);
        LatentCacheBuilder.Build(full, _d.Model, _d.Sae, Corpus.Ids(ids, 101), _d.Inputs, o);
        Assert.Equal(CacheTestData.Dump(full), CacheTestData.Dump(killed));
    }

    /// <summary>Killed at each instant of creation and at the first commit; <paramref name="left"/> is what the path
    /// holds after the kill ("none": nothing yet; "cache": a complete cache file).</summary>
    [Theory]
    [InlineData("locked", "none")]              // the lock file exists, nothing else
    [InlineData("init-created", "none")]        // the new database exists under its temporary name, 0 bytes (the old failure)
    [InlineData("init-written", "none")]        // schema and identity written under the temporary name, not yet renamed
    [InlineData("created", "cache")]            // renamed into place: an empty cache
    [InlineData("batch-committed", "cache")]    // the first batch committed
    public void Build_KilledAtAnInstantOfCreation_ReRunResumes(string point, string left)
    {
        string db = _d.Tmp.File($"kill-{point}.db");
        using (var p = StartBuild(_d.IdsPath, db, killAt: point))
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 137, $"expected death by SIGKILL (137), got {p.ExitCode}: {err}");
        }
        Assert.True(File.Exists(db + ".lock"), "the kill left no lock file: it did not happen where it was meant to");
        if (left == "none") Assert.False(File.Exists(db), $"killed at {point}, the cache path already holds a file");
        else
        {
            using var partial = LatentCache.Open(db);                                   // a valid, unfinished cache
            Assert.False(partial.Info.Finalized);
            Assert.Equal(point == "created" ? 0 : Batch, partial.Info.Contexts);
        }
        if (point == "init-created") Assert.Equal(0, new FileInfo(db + ".init").Length);

        var resumed = LatentCacheBuilder.Build(db, _d.Model, _d.Sae, _d.Corpus(), _d.Inputs, CacheTestData.Options(Batch));
        Assert.Equal(point == "batch-committed" ? CacheTestData.Contexts - Batch : CacheTestData.Contexts, resumed.NewContexts);
        Assert.Equal(Uninterrupted(), CacheTestData.Dump(db));
        Assert.False(File.Exists(db + ".init"));
        Assert.False(File.Exists(db + ".lock"));
    }

    /// <summary>The first instant, found by watching the disk rather than named: the child is killed the moment any file of
    /// the cache appears (its lock file, the temporary database or the cache itself), several times over; each re-run resumes.</summary>
    [Fact]
    public void Build_KilledAsSoonAsAFileAppears_ReRunResumes()
    {
        var full = Uninterrupted();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string db = _d.Tmp.File($"first-{attempt}.db");
            using (var p = StartBuild(_d.IdsPath, db))
            {
                var sw = Stopwatch.StartNew();
                while (!p.HasExited && sw.Elapsed < TimeSpan.FromSeconds(60) && !File.Exists(db + ".lock") && !File.Exists(db + ".init") && !File.Exists(db)) { }
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            _out.WriteLine($"attempt {attempt}: the kill left " + string.Join(", ", Directory.EnumerateFiles(_d.Tmp.Path, $"first-{attempt}.db*")
                .Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} bytes)")));
            _d.Build(db, CacheTestData.Options(Batch));
            Assert.Equal(full, CacheTestData.Dump(db));
        }
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
    public void Build_WhileAnotherProcessBuilds_RefusedWithItsProcessId()
    {
        string ids = LongIds(), db = _d.Tmp.File("busy.db");
        using var p = StartBuild(ids, db);
        try
        {
            string? line;
            while ((line = p.StandardError.ReadLine()) is not null && !line.Contains("contexts (")) { }
            Assert.True(line is not null, "the first build ended before storing a batch");
            var e = Assert.Throws<LatentCacheInUseException>(() =>
                LatentCacheBuilder.Build(db, _d.Model, _d.Sae, Corpus.Ids(ids, 101), _d.Inputs, CacheTestData.Options(Batch)));
            if (p.HasExited) return;                                   // it finished between the two lines: nothing left to assert
            Assert.Equal(p.Id, e.Pid);
            Assert.Contains($"is in use by process {p.Id}", e.Message);
            Assert.Throws<LatentCacheInUseException>(() => LatentCacheBuilder.Finalize(db, CacheTestData.Options(Batch)));
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        // once the writer is gone (killed: the OS dropped its lock), the next build takes over and resumes
        LatentCacheBuilder.Build(db, _d.Model, _d.Sae, Corpus.Ids(ids, 101), _d.Inputs, CacheTestData.Options(Batch));
        using var cache = LatentCache.Open(db);
        Assert.True(cache.Info.Finalized);
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

// A real kill: `interp cache build` runs as a separate process and is killed (SIGKILL) once it reports a stored batch;
// the file it leaves (with its write-ahead log) opens as an unfinished cache, and resuming it in-process gives exactly
// the rows of an uninterrupted build.
using System.Diagnostics;
using Interp.Dictionaries.Cache;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class CacheKillTests : IDisposable
{
    private const int Contexts = 600, Batch = 4;   // long enough that the kill lands before finalize even on an idle machine
    private readonly CacheTestData _d = new();

    public void Dispose() => _d.Dispose();

    [Fact]
    public void Build_KilledMidway_ReadableAndResumesToTheUninterruptedRows()
    {
        var rng = new Rng(21);
        string ids = _d.Tmp.File("big-ids.txt"), killed = _d.Tmp.File("killed.db"), full = _d.Tmp.File("full.db");
        File.WriteAllText(ids, string.Join('\n', Enumerable.Range(0, Contexts).Select(_ =>
            string.Join(' ', Enumerable.Range(0, CacheTestData.ContextLength).Select(_ => rng.NextInt(101))))));
        var o = CacheTestData.Options(Batch);

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "interp.dll"), "cache", "build", "--model", _d.ModelDir, "--sae", _d.SaeDir,
                     "--ids", ids, "--out", killed, "--context", o.ContextLength.ToString(), "--batch", Batch.ToString(), "--top", o.TopK.ToString(),
                     "--quantiles", o.Quantiles.ToString(), "--per-quantile", o.PerQuantile.ToString(), "--random", o.RandomNegatives.ToString(),
                     "--window", o.Window.ToString(), "--seed", o.Seed.ToString(), "--histogram-bins", o.HistogramBins.ToString() })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEndAsync();
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
}

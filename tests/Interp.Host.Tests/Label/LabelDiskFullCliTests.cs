// `interp label` whose run store is on a disk that fills up: a real 1 MiB tmpfs mounted for the test (root only; skipped
// with the reason where mounting is not permitted — RunStoreTests covers the same path through SQLite's max_page_count).
// The run stops with one clear error (exit 2, no stack trace), what was committed stays readable and equal to an
// uninterrupted run's records, and once there is room the same command finishes with exactly those records.
using System.Diagnostics;
using Interp.Agent.Labeling.Store;
using Interp.Index.Records;

namespace Interp.Host.Tests.Label;

/// <summary>Runs where this process may mount a tmpfs (tried once, on a scratch folder); skipped otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Why = new(Probe);

    public TmpfsFactAttribute()
    {
        if (Why.Value is { } why) Skip = why;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "a real full disk needs a Linux tmpfs mount";
        var dir = Directory.CreateTempSubdirectory("interp-tmpfs-probe-").FullName;
        try
        {
            var (code, err) = Tmpfs.Sh("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
            if (code != 0) return $"cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): {err.Trim()}";
            Tmpfs.Sh("umount", dir);
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return $"no mount command: {e.Message}"; }
        finally { try { Directory.Delete(dir); } catch (IOException) { } }
    }
}

internal sealed class Tmpfs : IDisposable
{
    public string Dir { get; }

    public Tmpfs(string dir, string size)
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        var (code, err) = Sh("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir);
        if (code != 0) throw new InvalidOperationException($"mount tmpfs at {dir}: {err}");
    }

    /// <summary>Gives the file system <paramref name="size"/> (the files on it stay).</summary>
    public void Resize(string size)
    {
        var (code, err) = Sh("mount", "-o", $"remount,size={size}", Dir);
        if (code != 0) throw new InvalidOperationException($"remount {Dir}: {err}");
    }

    public void Dispose() => Sh("umount", Dir);

    public static (int Code, string Err) Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }
}

[Collection(LabelCliCollection.Name)]
public sealed class LabelDiskFullCliTests(LabelCliFixture fx)
{
    private const int Features = 200;

    private string[] Args(string outPath) =>
        ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--cache", fx.CachePath, "--features", $"0-{Features - 1}",
         "--scorers", "simulation", "--resamples", "200", "--out", outPath, "--report", "none", "--rows", "3"];

    private static List<string> Normalized(IEnumerable<FeatureRecord> records) => records.Select(r => FeatureRecordJson.Serialize(r with
    {
        Provenance = r.Provenance with { CreatedAt = default, RunId = "" },
        Failures = r.Failures.Select(f => f with { At = default }).ToList(),
    })).ToList();

    [TmpfsFact]
    public void Label_RunStoreDiskFills_ClearErrorCommittedRecordsReadable_ThenSameCommandFinishes()
    {
        string reference = fx.File("df-reference.db");
        var (code, _, err) = LabelCliFixture.Run(Args(reference));
        Assert.True(code == 0, err);
        List<string> expected;
        using (var s = RunStore.OpenRead(reference)) expected = Normalized(s.ReadRecords());
        Assert.Equal(Features, expected.Count);
        long needed = new FileInfo(reference).Length;

        using var disk = new Tmpfs(fx.File("df-mount"), "1m");
        Assert.True(needed > 1 << 20, $"the whole run store takes {needed} bytes: it would fit on the 1 MiB disk");
        string run = Path.Combine(disk.Dir, "run.db");

        (code, var stdout, err) = LabelCliFixture.Run(Args(run));

        Assert.Equal(2, code);
        Assert.Contains($"error: writing the run store '{run}' failed: the disk is full", err);
        Assert.Contains("everything committed before is kept and readable; free space (or fix the file) and re-run the same command to resume", err);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("run store:", stdout);
        int kept;
        using (var s = RunStore.OpenRead(run))
        {
            var records = Normalized(s.ReadRecords());
            kept = records.Count;
            Assert.InRange(kept, 1, Features - 1);
            Assert.All(records, r => Assert.Contains(r, expected));   // each committed record whole and as an uninterrupted run's
        }

        disk.Resize("64m");
        (code, _, err) = LabelCliFixture.Run(Args(run));
        Assert.True(code == 0, err);
        Assert.Contains($"{kept} already done before this run", err);
        using (var s = RunStore.OpenRead(run)) Assert.Equal(expected, Normalized(s.ReadRecords()));
    }
}

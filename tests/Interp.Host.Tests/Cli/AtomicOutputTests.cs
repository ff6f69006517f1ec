// Output files are written whole or not at all: a temporary that a killed run left beside the target (its process is
// gone) is removed by the next run that writes that target; the temporary of a live process is left alone.
using System.Diagnostics;
using Interp.Host.Tests.Malformed;

namespace Interp.Host.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class AtomicOutputTests : IDisposable
{
    private readonly Scratch _s = new();

    public void Dispose() => _s.Dispose();

    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;   // exited and reaped: no process has this id now (unless reused at once, which the kernel avoids)
    }

    [Fact]
    public void Run_OrphanedTemporaryOfAKilledRun_IsRemoved()
    {
        var orphan = _s.Write($".out.safetensors.{DeadPid()}.0123456789abcdef.tmp", "half a file");
        var live = _s.Write($".out.safetensors.{Environment.ProcessId}.fedcba9876543210.tmp", "another writer's file");
        var r = CliHarness.Run("run", "--model", _s.Model(), "--input-ids", Cmd.Ids(_s), "--out", _s.Path("out.safetensors"));
        Assert.True(r.Code == 0, r.ToString());
        Assert.False(File.Exists(orphan), "the orphaned temporary is still there");
        Assert.True(File.Exists(live), "a live process's temporary was removed");
        Assert.True(File.Exists(_s.Path("out.safetensors")));
        Assert.Equal(live, Assert.Single(Directory.GetFiles(_s.Dir, ".out.safetensors.*")));
    }

    [Fact]
    public void Run_FailedRun_LeavesThePreviousOutputIntact()
    {
        var outPath = _s.Path("out.safetensors");
        var ok = CliHarness.Run("run", "--model", _s.Model(), "--input-ids", Cmd.Ids(_s), "--out", outPath);
        Assert.True(ok.Code == 0, ok.ToString());
        var before = File.ReadAllBytes(outPath);
        var bad = CliHarness.Run("run", "--model", _s.Model("m2"), "--input-ids", Cmd.Ids(_s, "[[1, 500]]", "bad.json"), "--out", outPath);
        Assert.Equal(2, bad.Code);
        Assert.Equal(before, File.ReadAllBytes(outPath));
        Assert.Empty(Directory.GetFiles(_s.Dir, ".out.safetensors.*.tmp"));
    }
}

// Where files enter and leave: FileKinds tells a FIFO, a device and a folder from a regular file without opening them
// (opening a FIFO would block), InputFiles refuses anything but a regular file, AtomicFile writes whole files only,
// refuses special targets and removes the temporaries of dead runs, and MemoryBudget refuses absurd allocations.
using System.Diagnostics;
using Interp.Errors;
using Interp.Tensors.IO;

namespace Interp.Tensors.Tests.IO;

public sealed class FileGuardTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "interp-guard-" + Guid.NewGuid().ToString("N")[..10]);

    public FileGuardTests() => Directory.CreateDirectory(_dir);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string P(string name) => Path.Combine(_dir, name);

    private string Fifo(string name)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [P(name)]) { UseShellExecute = false })!;
        p.WaitForExit();
        return P(name);
    }

    [Fact]
    public void Of_EachKindOfPath_IsToldApart()
    {
        File.WriteAllText(P("f"), "x");
        File.CreateSymbolicLink(P("link"), P("f"));
        File.CreateSymbolicLink(P("dangling"), P("gone"));
        Assert.Equal(FileKind.Regular, FileKinds.Of(P("f")));
        Assert.Equal(FileKind.Regular, FileKinds.Of(P("link")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(P("dangling")));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_dir));
        Assert.Equal(FileKind.Fifo, FileKinds.Of(Fifo("pipe")));
        Assert.Equal(FileKind.CharDevice, FileKinds.Of("/dev/null"));
        Assert.Equal(FileKind.Missing, FileKinds.Of(P("nothing")));
    }

    [Fact]
    public async Task ReadAllText_FifoOrFolderOrDevice_RefusedWithoutBlocking()
    {
        var fifo = Fifo("pipe");
        // WaitAsync fails the test with a TimeoutException if the read blocks on the FIFO
        var e = await Task.Run(() => Assert.Throws<InterpException>(() => InputFiles.ReadAllText(fifo, "config.json"))).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("config.json is a FIFO (named pipe), not a regular file", e.Message);
        Assert.Contains(fifo, e.Message);
        Assert.Contains("a directory", Assert.Throws<InterpException>(() => InputFiles.ReadAllText(_dir, "x")).Message);
        Assert.Contains("a character device", Assert.Throws<InterpException>(() => InputFiles.ReadAllBytes("/dev/zero", "x")).Message);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<InterpException>(() => InputFiles.ReadAllText(P("none"), "x")).Kind);
    }

    [Fact]
    public async Task SafetensorsOpen_Fifo_RefusedWithoutBlocking()
    {
        var fifo = Fifo("model.safetensors");
        var e = await Task.Run(() => Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(fifo))).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void Write_Target_IsReplacedWholeAndLeavesNoTemporary()
    {
        AtomicFile.WriteAllText(P("out.txt"), "first");
        AtomicFile.WriteAllText(P("out.txt"), "second");
        Assert.Equal("second", File.ReadAllText(P("out.txt")));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Write_FailingWriter_KeepsTheOldFileAndRemovesTheTemporary()
    {
        AtomicFile.WriteAllText(P("out.txt"), "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(P("out.txt"), s => { s.WriteByte(1); throw new InvalidOperationException("writer failed"); }));
        Assert.Equal("old", File.ReadAllText(P("out.txt")));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Write_SpecialTarget_IsRefusedNamingIt()
    {
        Directory.CreateDirectory(P("folder"));
        Assert.Contains("--out is a directory", Assert.Throws<InterpException>(() => AtomicFile.WriteAllText(P("folder"), "x", "--out")).Message);
        Assert.Contains("a FIFO", Assert.Throws<InterpException>(() => AtomicFile.WriteAllText(Fifo("p"), "x")).Message);
        Assert.Contains("a character device", Assert.Throws<InterpException>(() => AtomicFile.WriteAllText("/dev/null", "x")).Message);
    }

    [Fact]
    public void Write_OrphanOfADeadProcess_IsRemovedLiveOnesKept()
    {
        int dead;
        using (var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!) { p.WaitForExit(); dead = p.Id; }
        File.WriteAllText(P($".out.bin.{dead}.abc.tmp"), "orphan");
        File.WriteAllText(P($".out.bin.1.abc.tmp"), "pid 1 is alive");       // init: always running
        File.WriteAllText(P($".other.bin.{dead}.abc.tmp"), "another target's");
        AtomicFile.WriteAllBytes(P("out.bin"), [1, 2, 3]);
        Assert.False(File.Exists(P($".out.bin.{dead}.abc.tmp")));
        Assert.True(File.Exists(P(".out.bin.1.abc.tmp")));
        Assert.True(File.Exists(P($".other.bin.{dead}.abc.tmp")));
    }

    [Fact]
    public void EnsureFits_AbsurdEstimate_RefusesWithBothFigures()
    {
        var e = Assert.Throws<ResourceException>(() => MemoryBudget.EnsureFits(1e18, "the weights of a model", "/m/config.json"));
        Assert.Contains("need about 888.2 PiB", e.Message);
        Assert.Contains("available", e.Message);
        Assert.Contains("/m/config.json", e.Message);
        MemoryBudget.EnsureFits(1024, "a small tensor");   // fits: no exception
        Assert.True(MemoryBudget.AvailableBytes() > 0);
    }
}

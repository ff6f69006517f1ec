// Output failures that need a process of their own: stdout closed or on a full device, and --out on a full or read-only
// file system (a small tmpfs mounted in a private user+mount namespace with `unshare -rm`). Each exits 2 naming the
// path, and leaves neither the target nor a temporary file behind.
using System.Diagnostics;
using Interp.Host.Tests.Malformed;
using Xunit.Abstractions;

namespace Interp.Host.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class OutputFaultTests : IDisposable
{
    private readonly Scratch _s = new();
    private readonly ITestOutputHelper _log;

    public OutputFaultTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _s.Dispose();

    private static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
    private static string InterpDll => Path.Combine(AppContext.BaseDirectory, "interp.dll");

    /// <summary>Runs a shell command line (with $INTERP set to the interp command) and returns its outcome.</summary>
    private static CliResult Shell(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["INTERP"] = $"\"{Dotnet}\" \"{InterpDll}\"";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException(script); }
        return new CliResult(p.ExitCode, output, err.Result);
    }

    private bool CanMountPrivately()
    {
        var r = Shell("unshare -rm true");
        if (r.Code != 0) _log.WriteLine($"skipped: `unshare -rm` is not available here ({r.Stderr.Trim()}); the disk-full and read-only cases need a private mount namespace.");
        return r.Code == 0;
    }

    [Fact]
    public void Info_StdoutClosed_ExitsTwoSayingSo()
    {
        var r = Shell("eval exec $INTERP info '>&-'");
        MalformedInputTests.AssertCleanError(r);
        Assert.Contains("stdout is closed", r.Stderr);
    }

    [Fact]
    public void Tokenize_StdoutOnAFullDevice_ExitsTwoSayingSo()
    {
        var tok = _s.Tokenizer();
        var texts = _s.Write("t.json", """["w1 w2 w3"]""");
        var r = Shell($"eval exec $INTERP tokenize --tokenizer '{tok}' --input '{texts}' '> /dev/full'");
        MalformedInputTests.AssertCleanError(r);
        Assert.Contains("no space left on device", r.Stderr);
    }

    [Fact]
    public void Run_OutOnAFullFileSystem_ExitsTwoNamingThePathAndLeavesNothing()
    {
        if (!CanMountPrivately()) return;
        var model = _s.Model();
        var ids = Cmd.Ids(_s);
        var mnt = _s.Folder("full");
        var r = Shell($"unshare -rm sh -c \"mount -t tmpfs -o size=16k tmpfs '{mnt}' && eval exec $INTERP run --model '{model}' --input-ids '{ids}' --hooks all --out '{mnt}/out.safetensors' && ls -A '{mnt}'\"");
        MalformedInputTests.AssertCleanError(r);
        Assert.Contains("no space left on device", r.Stderr);
        Assert.Contains($"{mnt}/out.safetensors", r.Stderr);
    }

    [Fact]
    public void Run_OutOnAReadOnlyFileSystem_ExitsTwoNamingThePath()
    {
        if (!CanMountPrivately()) return;
        var model = _s.Model();
        var ids = Cmd.Ids(_s);
        var mnt = _s.Folder("ro");
        var r = Shell($"unshare -rm sh -c \"mount -t tmpfs -o ro tmpfs '{mnt}' && eval exec $INTERP run --model '{model}' --input-ids '{ids}' --out '{mnt}/out.safetensors'\"");
        MalformedInputTests.AssertCleanError(r);
        Assert.Contains("read-only file system", r.Stderr);
        Assert.Contains($"{mnt}/out.safetensors", r.Stderr);
    }

    [Fact]
    public void Run_FullFileSystem_LeavesNoTemporaryBehind()
    {
        if (!CanMountPrivately()) return;
        var model = _s.Model();
        var ids = Cmd.Ids(_s);
        var mnt = _s.Folder("full2");
        // Run, then list what is left on the (still mounted) file system from inside the same namespace.
        var r = Shell($"unshare -rm sh -c \"mount -t tmpfs -o size=16k tmpfs '{mnt}'; $INTERP run --model '{model}' --input-ids '{ids}' --hooks all --out '{mnt}/out.safetensors' 2>/dev/null; echo rc=\\$?; ls -A '{mnt}'\"");
        Assert.Equal("rc=2", r.Stdout.Split('\n')[0].Trim());
        Assert.Equal("", string.Join("", r.Stdout.Split('\n').Skip(1)).Trim());
    }
}

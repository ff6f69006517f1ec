// The boundary's bug path: an exception that is not an expected failure exits 70 with "internal error:", a one-line
// summary and the path of a report holding the full trace; stderr never shows a stack frame. The bug is a command
// made to throw, run through the same CliBoundary as Program.
using System.CommandLine;
using Interp.Host.Cli;

namespace Interp.Host.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class InternalErrorTests
{
    private static (int code, string stderr) RunBoundary(Exception bug, string crashDir)
    {
        var root = new RootCommand("test") { };
        var boom = new Command("boom");
        boom.SetAction(new Func<ParseResult, int>(_ => throw bug));
        root.Subcommands.Add(boom);
        var oldErr = Console.Error;
        var err = new StringWriter();
        Environment.SetEnvironmentVariable(CliBoundary.CrashDirVariable, crashDir);
        Console.SetError(err);
        try { return (CliBoundary.RunAsync(root, ["boom"]).GetAwaiter().GetResult() is var c ? c : 0, err.ToString()); }
        finally { Console.SetError(oldErr); Environment.SetEnvironmentVariable(CliBoundary.CrashDirVariable, null); }
    }

    private static Exception Thrown(Func<object> f)
    {
        try { f(); } catch (Exception e) { return e; }
        throw new InvalidOperationException("did not throw");
    }

    [Fact]
    public void Run_CommandWithABug_Exits70WithReportFileAndNoTrace()
    {
        using var s = new Scratch();
        string? nothing = null;
        var bug = Thrown(() => nothing!.Length);   // a real NullReferenceException with a real stack trace
        var (code, stderr) = RunBoundary(bug, s.Path("crashes"));

        Assert.Equal(70, code);
        Assert.StartsWith("internal error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("NullReferenceException", stderr);
        var reports = Directory.GetFiles(s.Path("crashes"));
        var report = Assert.Single(reports);
        Assert.Contains(report, stderr);
        var text = File.ReadAllText(report);
        Assert.Contains("NullReferenceException", text);
        Assert.Contains("   at ", text);
    }

    [Fact]
    public void Run_ExpectedFailureInACommand_Exits2WithoutReport()
    {
        using var s = new Scratch();
        var (code, stderr) = RunBoundary(new Interp.Errors.ConfigException("\"x\" is wrong", "/some/cfg.json", "x", "fix x"), s.Path("crashes"));
        Assert.Equal(2, code);
        Assert.Equal("error: \"x\" is wrong (/some/cfg.json); fix x", stderr.Trim());
        Assert.False(Directory.Exists(s.Path("crashes")));
    }

    [Fact]
    public void Run_CrashDirectoryUnwritable_StillExits70AndSaysSo()
    {
        using var s = new Scratch();
        var (code, stderr) = RunBoundary(new IndexOutOfRangeException("index 7"), Path.Combine(s.Write("file", "x"), "sub"));
        Assert.Equal(70, code);
        Assert.Contains("could not be written", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}

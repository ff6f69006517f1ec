// Runs the real `interp` entry point (the compiled Program's Main) in this process with captured stdout and stderr and,
// for the call, the given environment variables; returns the exit code and both streams. Console and environment are
// process-wide, so every test using it belongs to the "Cli" collection, which never runs in parallel.
using System.Reflection;
using Interp.Host.Cli;

namespace Interp.Host.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection { public const string Name = "Cli"; }

public sealed record CliResult(int Code, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {Code}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

public static class CliHarness
{
    /// <summary>Longest a call may take: a hang (a FIFO opened for reading, say) fails the test instead of the run.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly MethodInfo Main = typeof(CliBoundary).Assembly.EntryPoint
        ?? throw new InvalidOperationException("interp.dll has no entry point");

    public static CliResult Run(params string[] args) => Run(args, null);

    public static CliResult Run(string[] args, IReadOnlyDictionary<string, string?>? env, string? cwd = null)
    {
        var (oldOut, oldErr, oldDir) = (Console.Out, Console.Error, Environment.CurrentDirectory);
        var (o, e) = (new StringWriter(), new StringWriter());
        var saved = new Dictionary<string, string?>();
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            saved[k] = Environment.GetEnvironmentVariable(k);
            Environment.SetEnvironmentVariable(k, v);
        }
        Console.SetOut(o); Console.SetError(e);
        if (cwd is not null) Environment.CurrentDirectory = cwd;
        try
        {
            // The compiled entry point is the synchronous wrapper of Program's async Main (returns int).
            var task = Task.Run(() => Main.Invoke(null, [args]) switch { int code => code, Task<int> t => t.GetAwaiter().GetResult(), var x => throw new InvalidOperationException($"entry point returned {x}") });
            if (!task.Wait(Timeout)) throw new TimeoutException($"interp {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s (a hang).");
            return new CliResult(task.Result, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut); Console.SetError(oldErr);
            Environment.CurrentDirectory = oldDir;
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
            // INTERP_* variables are applied to process-wide settings at start: put the defaults back for the next test.
            Interp.Tensors.InterpEnvironment.Apply();
        }
    }

    /// <summary>The repository root (the folder with Agent.sln), for the embedded models under evals/.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
            throw new DirectoryNotFoundException("no Agent.sln above the test binaries");
        }
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}

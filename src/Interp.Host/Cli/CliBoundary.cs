// The one error boundary of `interp`: every verb runs inside it. Environment variables are validated first; bad
// arguments, bad input and I/O failures print "error: <what> (<where>); <what to do>" on stderr and exit 2; a bug prints
// "internal error: <summary>" and where its full report was written, and exits 70. No stack trace reaches the user.
using System.CommandLine;
using Interp.Errors;
using Interp.Tensors;

namespace Interp.Host.Cli;

public static class CliBoundary
{
    public const int Ok = 0, Expected = 2, Internal = 70, Interrupted = 130;

    /// <summary>Where internal-error reports go: $INTERP_CRASH_DIR, else the temp folder's interp-crashes/.</summary>
    public const string CrashDirVariable = "INTERP_CRASH_DIR";

    /// <summary>Validates the environment, parses <paramref name="args"/> and runs the chosen verb; returns the exit code.</summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            if (StdStreams.StdoutProblem() is { } problem)
                throw new Interp.Errors.InterpException(problem, null, "keep stdout open: redirect it to a file or to /dev/null", Interp.Errors.ErrorKind.Io);
            InterpEnvironment.Apply();
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0) return ParseErrors(parse);
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) { return Report(e, args); }
    }

    /// <summary>Prints <paramref name="e"/> as an expected error (exit 2), an interruption (130) or an internal error (70,
    /// with the full report written to a file). Never throws.</summary>
    public static int Report(Exception e, IReadOnlyList<string>? args = null)
    {
        var r = ErrorClassifier.Classify(e, HostRules);
        if (r.Kind == ErrorKind.Interrupted) { Say("interrupted."); return Interrupted; }
        if (!r.IsInternal) { Say($"error: {r.Text}"); return Expected; }
        string? report = WriteCrashReport(e, args);
        Say($"internal error: {r.What}{(r.Where is null ? "" : $" ({r.Where})")}. This is a bug in interp, not in your input; " +
            (report is null ? "the full report could not be written." : $"the full report is in {report} (please attach it when reporting the bug)."));
        return Internal;
    }

    /// <summary>Errors of libraries Interp.Tensors cannot see: SQLite's (busy, read-only, corrupt, full, not a database).</summary>
    private static readonly Func<Exception, ErrorReport?>[] HostRules =
    [
        e => e is Microsoft.Data.Sqlite.SqliteException s && s.SqliteErrorCode is 3 or 5 or 6 or 8 or 10 or 11 or 13 or 14 or 26
            ? new ErrorReport(s.SqliteErrorCode is 13 ? ErrorKind.Resource : s.SqliteErrorCode is 3 or 8 ? ErrorKind.Permission : ErrorKind.Io,
                $"database error: {s.Message.TrimEnd('.')}", null,
                s.SqliteErrorCode switch
                {
                    5 or 6 => "another process is using the database; wait for it or use another file",
                    11 or 26 => "the file is damaged or not an Interp database; rebuild it",
                    13 => "free some disk space and re-run",
                    _ => "check the file and its folder",
                })
            : null,
    ];

    private static int ParseErrors(ParseResult parse)
    {
        var lines = parse.Errors.Select(e => CliText.Sanitize(e.Message).TrimEnd('.')).Distinct().ToList();
        string verb = string.Join(' ', CommandPath(parse));
        Say($"error: {string.Join("; ", lines)}; see `interp {(verb.Length == 0 ? "" : verb + " ")}--help`.");
        return Expected;
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            if (r.Command is not RootCommand) names.Insert(0, r.Command.Name);
        return names;
    }

    private static string? WriteCrashReport(Exception e, IReadOnlyList<string>? args)
    {
        try
        {
            string dir = Environment.GetEnvironmentVariable(CrashDirVariable) is { Length: > 0 } d ? d : Path.Combine(Path.GetTempPath(), "interp-crashes");
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, $"interp-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}.txt");
            File.WriteAllText(path,
                $"interp internal error\ntime (UTC): {DateTime.UtcNow:O}\nversion: {typeof(CliBoundary).Assembly.GetName().Version}\n" +
                $"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}\n" +
                $"arguments: {string.Join(' ', (args ?? []).Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}\n\n{e}\n");
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }

    /// <summary>Writes a line to stderr; a closed stderr is ignored (the exit code still tells).</summary>
    private static void Say(string line)
    {
        try { Console.Error.WriteLine(line); }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }
}

// CliException (a bad argument, said in one line) and CliErrors.Guard, kept for verbs that wrap their body: both now go
// through the one boundary in Cli/CliBoundary.cs (exit 2 with "error: ...", or 70 with an internal-error report).
using Interp.Errors;
using Interp.Host.Cli;

namespace Interp.Host.Commands;

/// <summary>A bad command-line argument or combination of arguments.</summary>
public sealed class CliException(string message, string? hint = null) : InterpException(message.TrimEnd('.'), null, hint, ErrorKind.Input);

public static class CliErrors
{
    /// <summary>Runs <paramref name="body"/> and reports any exception as the boundary does (2 expected, 70 internal).</summary>
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) { return CliBoundary.Report(e, Environment.GetCommandLineArgs().Skip(1).ToList()); }
    }
}

// Sorts any exception into an expected failure (what, where, hint, kind) or an internal error, once for every face:
// the CLI boundary prints it, the service and the tool layer answer with it. Expected: our typed errors, I/O and
// permission errors, malformed JSON, out of memory. Everything else is a bug (ErrorKind.Internal).
using System.Text.Json;

namespace Interp.Errors;

/// <summary>An exception as a user should see it.</summary>
public sealed record ErrorReport(ErrorKind Kind, string What, string? Where = null, string? Hint = null)
{
    public bool IsInternal => Kind == ErrorKind.Internal;

    /// <summary>"what (where); hint" (newlines inside the parts are kept: multi-problem reports list them).</summary>
    public string Text => UserErrorText.Compose(What, Where, Hint);
}

public static class ErrorClassifier
{
    /// <summary>Extra rules for exception types this assembly cannot see (e.g. SQLite's), tried before the built-in ones;
    /// return null to pass.</summary>
    public static ErrorReport Classify(Exception e, IEnumerable<Func<Exception, ErrorReport?>>? extraRules = null)
    {
        e = Unwrap(e);
        if (extraRules is not null)
            foreach (var rule in extraRules)
                if (rule(e) is { } r) return r;
        return e switch
        {
            IUserError u => new ErrorReport(u.Kind, u.What, u.Where, u.Hint),
            OperationCanceledException => new ErrorReport(ErrorKind.Interrupted, "interrupted", null, null),
            UnauthorizedAccessException => new ErrorReport(ErrorKind.Permission, "permission denied", QuotedPath(e.Message),
                "check the permissions of the file and its folder, or use another path"),
            FileNotFoundException f => new ErrorReport(ErrorKind.NotFound, Sentence(f.Message), null, "check the path"),
            DirectoryNotFoundException => new ErrorReport(ErrorKind.NotFound, Sentence(e.Message), null, "check the path"),
            PathTooLongException => new ErrorReport(ErrorKind.Input, Sentence(e.Message), null, "use a shorter path"),
            EndOfStreamException => new ErrorReport(ErrorKind.Format, "the file ended early (truncated?)", null, null),
            InvalidDataException => new ErrorReport(ErrorKind.Format, Sentence(e.Message), null, null),
            JsonException j => new ErrorReport(ErrorKind.Format, "invalid JSON: " + JsonErrorText.Describe(j), null, "fix the JSON"),
            IOException io => FromErrno(io),
            OutOfMemoryException => new ErrorReport(ErrorKind.Resource, "out of memory", null,
                "use a smaller model, batch or context, or free memory"),
            // The library's convention for a bad value is an ArgumentException (or ArgumentOutOfRangeException),
            // NotSupportedException or KeyNotFoundException with a message written for people. The same types thrown
            // by the runtime itself (a list index, a dictionary key, a null) are bugs.
            ArgumentNullException => Internal(e),
            ArgumentException a when ThrownByInterp(a) => new ErrorReport(ErrorKind.Input, StripParamName(a), null, null),
            NotSupportedException or KeyNotFoundException when ThrownByInterp(e) => new ErrorReport(ErrorKind.Input, Sentence(e.Message), null, null),
            _ => Internal(e),
        };
    }

    private static ErrorReport Internal(Exception e) =>
        new(ErrorKind.Internal, OneLine(e.Message.Length > 0 ? e.Message : e.GetType().Name), At(e), null);

    /// <summary>Whether the method that threw belongs to this project (a deliberate check) rather than to the runtime.</summary>
    private static bool ThrownByInterp(Exception e) =>
        e.TargetSite?.DeclaringType?.FullName?.StartsWith("Interp.", StringComparison.Ordinal) == true;

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
            else if (e is System.Reflection.TargetInvocationException { InnerException: { } i }) e = i;
            else return e;
        }
    }

    /// <summary>Errno-carrying I/O errors (Unix: HResult is the errno): say what happened in words, with the path.</summary>
    private static ErrorReport FromErrno(IOException e)
    {
        string? path = QuotedPath(e.Message);
        return e.HResult switch
        {
            28 => new ErrorReport(ErrorKind.Resource, "no space left on device", path, "free some space or write somewhere else"),
            122 => new ErrorReport(ErrorKind.Resource, "disk quota exceeded", path, "free some space or write somewhere else"),
            30 => new ErrorReport(ErrorKind.Permission, "read-only file system", path, "write somewhere else"),
            13 or 1 => new ErrorReport(ErrorKind.Permission, "permission denied", path, "check the permissions, or use another path"),
            21 => new ErrorReport(ErrorKind.Input, "is a directory, not a file", path, "give a file path"),
            20 => new ErrorReport(ErrorKind.Input, "a part of the path is a file, not a folder", path, "check the path"),
            32 or 9 => new ErrorReport(ErrorKind.Io, "the output stream is closed", path, "keep stdout open (e.g. redirect it to a file)"),
            5 => new ErrorReport(ErrorKind.Io, "input/output error", path, "check the device"),
            _ => new ErrorReport(ErrorKind.Io, Sentence(e.Message), null, null),
        };
    }

    /// <summary>The first '...' quoted path in a BCL message ("Access to the path '/x' is denied.").</summary>
    private static string? QuotedPath(string message)
    {
        int a = message.IndexOf('\''), b = a < 0 ? -1 : message.IndexOf('\'', a + 1);
        return b > a + 1 ? message[(a + 1)..b] : null;
    }

    private static string StripParamName(ArgumentException a)
    {
        var m = a.Message;
        if (a.ParamName is { } p && m.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)) m = m[..^($" (Parameter '{p}')".Length)];
        return Sentence(m);
    }

    private static string Sentence(string s) => s.Trim().TrimEnd('.');

    private static string OneLine(string s)
    {
        var line = s.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    /// <summary>The method that threw, as "Type.Method" (no file paths, no frames).</summary>
    private static string? At(Exception e)
    {
        var m = e.TargetSite;
        return m is null ? null : $"in {m.DeclaringType?.Name}.{m.Name}";
    }
}

// The typed errors every layer throws for expected failures (bad input, bad files, missing or short resources): each
// says what went wrong, where (file, key, tensor, argument) and what to do. Not for bugs: those stay ordinary exceptions,
// and ErrorClassifier reports them as internal errors.
namespace Interp.Errors;

/// <summary>What kind of expected failure this is; a service maps it to a status, the CLI to exit code 2.</summary>
public enum ErrorKind
{
    /// <summary>A value the caller passed (argument, token id, text) is invalid.</summary>
    Input,
    /// <summary>A configuration file or value (config.json, cfg.json, a training config, an environment variable).</summary>
    Config,
    /// <summary>A data file is malformed (safetensors, tokenizer files, token-id files, corrupted checkpoints).</summary>
    Format,
    /// <summary>A file or folder that should exist does not.</summary>
    NotFound,
    /// <summary>The operating system refused access (permissions, read-only file system).</summary>
    Permission,
    /// <summary>Reading or writing failed (closed stream, device error).</summary>
    Io,
    /// <summary>Not enough memory or disk for what was asked.</summary>
    Resource,
    /// <summary>The user stopped the run (Ctrl-C).</summary>
    Interrupted,
    /// <summary>A bug: not the user's doing; report it with the trace.</summary>
    Internal,
}

/// <summary>An error a user can act on. Implemented by <see cref="InterpException"/> and by exceptions that must keep
/// another base class (SafetensorsException is an IOException).</summary>
public interface IUserError
{
    ErrorKind Kind { get; }
    /// <summary>What went wrong, e.g. "\"n_positions\" is the string \"64\"; expected an integer".</summary>
    string What { get; }
    /// <summary>Where: a file path, "path: key", a tensor, an argument; null when the what says it all.</summary>
    string? Where { get; }
    /// <summary>What to do about it; null when nothing better than "fix the input" can be said.</summary>
    string? Hint { get; }
}

/// <summary>Base of the project's typed errors. The message is "what (where); hint".</summary>
public class InterpException : Exception, IUserError
{
    public ErrorKind Kind { get; }
    public string What { get; }
    public string? Where { get; }
    public string? Hint { get; }

    public InterpException(string what, string? where = null, string? hint = null, ErrorKind kind = ErrorKind.Input, Exception? inner = null)
        : base(UserErrorText.Compose(what, where, hint), inner)
    {
        What = what; Where = where; Hint = hint; Kind = kind;
    }
}

/// <summary>The one exception for configuration problems: config.json, cfg.json, training configs, tokenizer.json
/// settings, environment variables. <see cref="File"/> and <see cref="Key"/> name the file and the offending key.</summary>
public sealed class ConfigException : InterpException
{
    /// <summary>The config file (or "environment" for variables), when known.</summary>
    public string? File { get; }
    /// <summary>The key (dotted path for nested keys, e.g. "model.vocab"), when one key is at fault.</summary>
    public string? Key { get; }

    public ConfigException(string what, string? file = null, string? key = null, string? hint = null, Exception? inner = null)
        : base(what, file, hint, ErrorKind.Config, inner)
    {
        File = file; Key = key;
    }
}

/// <summary>Not enough memory (or another machine resource) for what was asked; says how much was needed and had.</summary>
public sealed class ResourceException(string what, string? where = null, string? hint = null)
    : InterpException(what, where, hint, ErrorKind.Resource);

/// <summary>Formats the parts of a user error into one line.</summary>
public static class UserErrorText
{
    /// <summary>"what (where); hint", parts that are null left out. A what of several lines (a list of problems) gets
    /// the where on its first line.</summary>
    public static string Compose(string what, string? where, string? hint)
    {
        what = what.TrimEnd().TrimEnd('.');
        string s = what;
        if (!string.IsNullOrEmpty(where))
        {
            int nl = what.IndexOf('\n');
            s = nl < 0 ? $"{what} ({where})" : $"{what[..nl].TrimEnd(':')} ({where}):{what[nl..]}";
        }
        return string.IsNullOrEmpty(hint) ? s : $"{s}; {hint.TrimEnd('.')}";
    }
}

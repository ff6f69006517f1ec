// The index's expected failures (another schema version or embedder, a file that is not an index, a dimension that does
// not fit, a server that does not answer), each worded "what, where, what to do" so the CLI can print it as it is. It is
// an IUserError, so every boundary (the CLI, the hosted service, the tools) reports it as the caller's to fix, not a bug.
using Interp.Errors;

namespace Interp.Index;

public sealed class FeatureIndexException(string message, Exception? inner = null, ErrorKind kind = ErrorKind.Input)
    : Exception(message, inner), IUserError
{
    public ErrorKind Kind { get; } = kind;
    public string What => Message;
    public string? Where => null;
    public string? Hint => null;
}

// The index's expected failures (another schema version or embedder, a file that is not an index, a dimension that does
// not fit, a server that does not answer), each worded "what, where, what to do" so the CLI can print it as it is.
namespace Interp.Index;

public sealed class FeatureIndexException(string message, Exception? inner = null) : Exception(message, inner);

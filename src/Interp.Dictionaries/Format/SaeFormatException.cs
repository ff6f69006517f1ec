// Thrown when an SAE folder cannot be read as SAELens's format: a missing or misshapen tensor, non-finite or
// non-float weights, a missing file. The message names the file and says what to do. (cfg.json's keys and values are
// ConfigException, from the one config reader.)
using Interp.Errors;

namespace Interp.Dictionaries;

public sealed class SaeFormatException(string message, string? hint = null) : InterpException(message.TrimEnd('.'), null, hint, ErrorKind.Format);

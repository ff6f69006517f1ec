// Thrown when an SAE folder cannot be read as SAELens's format: a bad or missing cfg.json key, a missing or
// misshapen tensor, non-finite weights. The message names the file and says what to do.
namespace Interp.Dictionaries;

public sealed class SaeFormatException(string message) : Exception(message);

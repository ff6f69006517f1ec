// Turns expected failures (bad input, unsupported files) into one clear line on stderr and exit code 2,
// instead of a stack trace. Unexpected exceptions still surface with their trace (exit 1).
using Interp.Dictionaries;
using Interp.Models;

namespace Interp.Host.Commands;

public sealed class CliException(string message) : Exception(message);

public static class CliErrors
{
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is CliException or ArgumentException or InvalidDataException or FileNotFoundException
                                   or DirectoryNotFoundException or ModelConfigException or NotSupportedException or KeyNotFoundException
                                   or SaeFormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}

// Whether stdout is usable before a verb writes to it. A user who closes stdout (`interp info >&-`) leaves descriptor 1
// free, and the first file the runtime opens takes it: writes would then go to (or fail on) that file. So descriptor 1
// is checked once at start: it must be open for writing. Linux/macOS only (fcntl); elsewhere it is assumed fine.
using System.Runtime.InteropServices;

namespace Interp.Host.Cli;

internal static partial class StdStreams
{
    /// <summary>Null when stdout is open for writing; otherwise why not.</summary>
    public static string? StdoutProblem()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return null;
        try
        {
            const int FGetFl = 3, AccessMode = 3, ReadOnly = 0;
            int flags = Fcntl(1, FGetFl);
            if (flags < 0) return "stdout is closed";
            return (flags & AccessMode) == ReadOnly ? "stdout is closed (its descriptor now belongs to a file opened for reading)" : null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return null; }
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd);
}

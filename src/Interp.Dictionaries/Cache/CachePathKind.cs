// What a cache path is on disk, told without opening it: SQLite opening a FIFO would block for ever and a device is no
// database, so both are refused by name first. Linux: statx(2) (the same layout on every architecture); elsewhere only
// missing / file / directory are told apart.
using System.Runtime.InteropServices;

namespace Interp.Dictionaries.Cache;

internal enum PathKind { Missing, File, Directory, Fifo, Device, Socket, Other }

internal static partial class CachePathKind
{
    public static PathKind Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var buf = new byte[256];
                const int AtFdCwd = -100, StatxType = 0x1;
                if (Statx(AtFdCwd, path, 0, StatxType, buf) == 0)
                    return (BitConverter.ToUInt16(buf, 28) & 0xF000) switch     // stx_mode's file-type bits
                    {
                        0x8000 => PathKind.File, 0x4000 => PathKind.Directory, 0x1000 => PathKind.Fifo,
                        0x2000 or 0x6000 => PathKind.Device, 0xC000 => PathKind.Socket, _ => PathKind.Other,
                    };
                if (Marshal.GetLastPInvokeError() == 2) return PathKind.Missing;   // ENOENT (also a dangling link)
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        return Directory.Exists(path) ? PathKind.Directory : File.Exists(path) ? PathKind.File : PathKind.Missing;
    }

    public static string Describe(PathKind k) => k switch
    {
        PathKind.Directory => "a directory",
        PathKind.Fifo => "a FIFO (named pipe)",
        PathKind.Device => "a device",
        PathKind.Socket => "a socket",
        _ => "not a regular file",
    };

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buf);
}

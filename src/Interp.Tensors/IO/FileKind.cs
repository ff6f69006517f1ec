// What a path is on disk (regular file, directory, FIFO, device, socket) without opening it: opening a FIFO blocks until
// a writer appears, and reading /dev/zero never ends, so inputs are checked before they are opened. Linux: statx(2),
// whose layout is the same on every architecture; elsewhere only file / directory / missing are told apart.
using System.Runtime.InteropServices;

namespace Interp.Tensors.IO;

public enum FileKind { Missing, Regular, Directory, Fifo, CharDevice, BlockDevice, Socket, Other }

public static partial class FileKinds
{
    /// <summary>The kind of <paramref name="path"/>, following symbolic links (a dangling link is Missing).</summary>
    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                Span<byte> buf = stackalloc byte[256];
                const int AtFdCwd = -100, StatxType = 0x1;
                if (Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buf)) != 0)
                {
                    const int ENoEnt = 2, ENotDir = 20;
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is ENoEnt or ENotDir) return FileKind.Missing;   // also a dangling link
                    return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Other : FileKind.Missing;
                }
                int mode = BitConverter.ToUInt16(buf[28..30]) & 0xF000;   // stx_mode: S_IFMT bits
                return mode switch
                {
                    0x8000 => FileKind.Regular,
                    0x4000 => FileKind.Directory,
                    0x1000 => FileKind.Fifo,
                    0x2000 => FileKind.CharDevice,
                    0x6000 => FileKind.BlockDevice,
                    0xC000 => FileKind.Socket,
                    _ => FileKind.Other,
                };
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        }
        return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
    }

    /// <summary>"a directory", "a FIFO (named pipe)", ... for messages.</summary>
    public static string Describe(FileKind k) => k switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte statxbuf);
}

// Output files are written whole or not at all: into a temporary sibling (".NAME.PID.RANDOM.tmp"), flushed to disk,
// then renamed over the target. Temporaries that a killed run left behind (their process is gone) are removed the
// next time the same target is written. Failures name the target, not the temporary, and say what to do.
using System.Diagnostics;
using Interp.Errors;

namespace Interp.Tensors.IO;

public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; <paramref name="role"/> names the output in
    /// errors ("--out", "cfg.json"). Creates the folder when missing. Throws InterpException for disk full, read-only or
    /// permission errors, and when the target exists but is not a regular file (a folder, a FIFO, a device).</summary>
    public static void Write(string path, Action<Stream> write, string role = "output")
    {
        string full = Path.GetFullPath(path);
        CheckTarget(full, role);
        string dir = Path.GetDirectoryName(full)!;
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            CleanOrphans(full);
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            if (e is IUserError) throw;
            var r = ErrorClassifier.Classify(e);
            throw new InterpException($"cannot write {role}: {r.What}", full, r.Hint ?? "check the path and the free space", r.Kind, e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text, string role = "output") =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); }, role);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, string role = "output")
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy), role);
    }

    /// <summary>Refuses a target that exists and is not a regular file: renaming over a folder fails, and over a FIFO or
    /// a device (/dev/null as root) it would replace the special file.</summary>
    public static void CheckTarget(string fullPath, string role)
    {
        var kind = FileKinds.Of(fullPath);
        if (kind is FileKind.Missing or FileKind.Regular) return;
        throw new InterpException($"{role} is {FileKinds.Describe(kind)}", fullPath,
            kind == FileKind.Directory ? "give a file path (e.g. inside that folder), not the folder" : "give the path of a regular file", ErrorKind.Input);
    }

    /// <summary>Removes ".NAME.PID.*.tmp" siblings of <paramref name="fullPath"/> whose process no longer runs (and, for
    /// temporaries without a process id, those older than an hour). Returns how many were removed.</summary>
    public static int CleanOrphans(string fullPath)
    {
        string dir = Path.GetDirectoryName(fullPath)!, prefix = $".{Path.GetFileName(fullPath)}.";
        if (!Directory.Exists(dir)) return 0;
        int removed = 0;
        foreach (var f in Directory.EnumerateFiles(dir, prefix + "*.tmp"))
        {
            var middle = Path.GetFileName(f)[prefix.Length..^4].Split('.');
            bool orphan = middle.Length == 2 && int.TryParse(middle[0], out int pid)
                ? pid != Environment.ProcessId && !Alive(pid)
                : DateTime.UtcNow - File.GetLastWriteTimeUtc(f) > TimeSpan.FromHours(1);
            if (orphan && TryDelete(f)) removed++;
        }
        return removed;
    }

    private static bool Alive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static bool TryDelete(string path)
    {
        try { File.Delete(path); return true; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}

// The latent cache's exclusive writer lock: a lock file next to the cache (`cache.db.lock`) holding the writer's process
// id under a POSIX record lock, which the OS drops when the process dies, so a killed build never leaves a stale lock.
// A second writer gets "in use by process N" instead of SQLite's "database is locked". Readers take no lock.
namespace Interp.Dictionaries.Cache;

/// <summary>A build or finalize of the cache at <see cref="CachePath"/> is running in process <see cref="Pid"/>
/// (0 when its id could not be read).</summary>
public sealed class LatentCacheInUseException(string message, string cachePath, int pid) : IOException(message)
{
    public string CachePath { get; } = cachePath;
    public int Pid { get; } = pid;
}

internal sealed class CacheLock : IDisposable
{
    // Record locks belong to a process, not to a file handle: a second lock from this process would succeed, and closing
    // its handle would drop the first. So exclusion inside the process is kept here, before any handle is opened.
    private static readonly HashSet<string> HeldHere = new(StringComparer.Ordinal);
    private readonly string _full, _lockPath;
    private readonly FileStream _file;

    private CacheLock(string full, string lockPath, FileStream file) => (_full, _lockPath, _file) = (full, lockPath, file);

    /// <summary>Takes the lock of the cache at <paramref name="cachePath"/> or throws LatentCacheInUseException.</summary>
    public static CacheLock Acquire(string cachePath)
    {
        string full = Path.GetFullPath(cachePath), lockPath = full + ".lock";
        lock (HeldHere)
            if (!HeldHere.Add(full))
                throw InUse(cachePath, Environment.ProcessId, " (this process)");
        FileStream? fs = null;
        try
        {
            fs = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            try { if (!OperatingSystem.IsMacOS()) fs.Lock(0, 1); }
            catch (PlatformNotSupportedException) { }                     // no record locks here: SQLite's own locks still guard the file
            catch (IOException) { throw InUse(cachePath, ReadPid(fs), ""); }    // held by another process
            fs.SetLength(0);
            var text = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
            fs.Write(text);
            fs.Flush();
            CacheFaults.At("locked");
            return new CacheLock(full, lockPath, fs);
        }
        catch
        {
            fs?.Dispose();
            lock (HeldHere) HeldHere.Remove(full);
            throw;
        }
    }

    private static LatentCacheInUseException InUse(string cachePath, int pid, string whose) => new(
        $"the latent cache '{cachePath}' is in use by {(pid > 0 ? $"process {pid}{whose}" : "another process")}, which is building or " +
        "finalizing it; wait for it to end (or stop it: its work so far is kept and the next run resumes), or pass another --out.",
        cachePath, pid);

    private static int ReadPid(FileStream fs)
    {
        try
        {
            fs.Position = 0;
            var buf = new byte[32];
            int n = fs.Read(buf, 0, buf.Length);
            return int.TryParse(System.Text.Encoding.ASCII.GetString(buf, 0, n).Trim(), out int pid) && pid > 0 ? pid : 0;
        }
        catch (IOException) { return 0; }
    }

    /// <summary>Removes the lock file while still holding the lock, then releases it.</summary>
    public void Dispose()
    {
        try { File.Delete(_lockPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // left behind: harmless, the next writer takes it over
        _file.Dispose();
        lock (HeldHere) HeldHere.Remove(_full);
    }
}

/// <summary>Fault injection for the kill tests: when the environment variable INTERP_CACHE_KILL_AT names a point, the
/// process kills itself (SIGKILL: no cleanup runs) on reaching it. Points: locked, init-created, init-written,
/// created, batch-committed. Unset in normal use.</summary>
internal static class CacheFaults
{
    private static readonly string? KillAt = Environment.GetEnvironmentVariable("INTERP_CACHE_KILL_AT");

    public static void At(string point)
    {
        if (KillAt is null || KillAt != point) return;
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}

// Resource guard: before a large allocation (a model's weights, a batch's activations), compare the estimate with the
// memory this machine can still give and refuse with both figures, instead of allocating until the process dies.
using System.Globalization;
using Interp.Errors;

namespace Interp.Tensors;

public static class MemoryBudget
{
    /// <summary>Bytes this process can still allocate: the smaller of the kernel's MemAvailable (Linux) and the GC's
    /// limit (a container's memory limit, else physical memory) less what the process already holds.</summary>
    public static long AvailableBytes()
    {
        var gc = GC.GetGCMemoryInfo();
        long limit = gc.TotalAvailableMemoryBytes - Environment.WorkingSet;
        long? meminfo = MemAvailable();
        long avail = meminfo is { } m ? Math.Min(m, limit) : limit;
        return Math.Max(avail, 0);
    }

    /// <summary>Throws ResourceException when <paramref name="bytes"/> (an estimate; a double so that absurd configs do
    /// not overflow) exceeds what is available. <paramref name="what"/> says what needs it ("the weights of ...").</summary>
    public static void EnsureFits(double bytes, string what, string? where = null, string? hint = null)
    {
        long avail = AvailableBytes();
        if (bytes <= avail) return;
        throw new ResourceException($"{what} need about {Format(bytes)}, but this machine has {Format(avail)} of memory available",
            where, hint ?? "use a smaller model, batch or context, or a machine with more memory");
    }

    /// <summary>"1.2 GiB", "3.4 TiB", ... (binary units).</summary>
    public static string Format(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        if (bytes >= 1024) return string.Create(CultureInfo.InvariantCulture, $"{bytes:E2} {units[u]}");
        return string.Create(CultureInfo.InvariantCulture, $"{bytes:0.#} {units[u]}");
    }

    private static long? MemAvailable()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        catch (FormatException) { }
        return null;
    }
}

// Splits index ranges over the cores when the work is big enough to pay for the hand-off.
namespace Interp.Tensors;

public static class Par
{
    /// <summary>Worker count used by kernels (INTERP_THREADS overrides; default: processor count).</summary>
    public static int Threads { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("INTERP_THREADS"), out var t) && t > 0 ? t : Environment.ProcessorCount;

    /// <summary>Runs body(start, end) over [0, n) in up to Threads chunks; serial when n * costPerItem is small.</summary>
    public static void For(int n, long costPerItem, Action<int, int> body)
    {
        const long MinWork = 32_768;
        int chunks = (int)Math.Min(Threads, Math.Max(1, n * Math.Max(costPerItem, 1) / MinWork));
        chunks = Math.Min(chunks, n);
        if (chunks <= 1) { if (n > 0) body(0, n); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Threads }, c =>
        {
            int s = (int)((long)n * c / chunks), e = (int)((long)n * (c + 1) / chunks);
            if (e > s) body(s, e);
        });
    }
}

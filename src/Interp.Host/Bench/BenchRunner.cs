// Times benchmark cases the way torch_reference.py does (1 warm-up call, then repeat until >= MinSeconds and
// >= 2 iterations; seconds = elapsed / iterations) and adds the process CPU time per iteration (steadier than wall
// time on a shared machine), backend, threads, GC counts and heap bytes.
using System.Diagnostics;
using Interp.Tensors;

namespace Interp.Host.Bench;

public static class BenchRunner
{
    public static BenchRecord Measure(IBenchCase bench, BenchContext ctx)
    {
        bench.Setup(ctx);
        bench.Run(); // warm-up: JIT, pool fill, OpenBLAS thread start
        BackwardProfiler.Reset();

        // Settle the heap so before/after are comparable; the timed loop itself is not disturbed.
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long allocBefore = GC.GetTotalAllocatedBytes(precise: true);

        int n = 0;
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        double elapsed;
        while (true)
        {
            bench.Run();
            n++;
            elapsed = sw.Elapsed.TotalSeconds;
            if (elapsed >= bench.MinSeconds && n >= bench.MinIterations) break;
        }
        double seconds = elapsed / n;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / n;

        long allocAfter = GC.GetTotalAllocatedBytes(precise: true);
        int d0 = GC.CollectionCount(0) - g0, d1 = GC.CollectionCount(1) - g1, d2 = GC.CollectionCount(2) - g2;
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        if (BackwardProfiler.Enabled)
        {
            foreach (var (op, ms, calls) in BackwardProfiler.Report().Take(15))
                Console.Error.WriteLine($"  backward {op,-20} {ms / n,9:F2} ms/iter  {calls / n,5} calls/iter");
            BackwardProfiler.Reset();
        }
        var rec = new BenchRecord().Add("case", bench.Name);
        bench.AddMetrics(seconds, rec);
        rec.Add("seconds", seconds)
           .Add("cpu_seconds", cpuSeconds)
           .Add("iterations", n)
           .Add("backend", Backend.Current.Name)
           .Add("threads", ctx.Threads)
           .Add("gen0", d0).Add("gen1", d1).Add("gen2", d2)
           .Add("alloc_bytes_per_iter", (allocAfter - allocBefore) / n)
           .Add("heap_bytes_before", heapBefore)
           .Add("heap_bytes_after", heapAfter);
        return rec;
    }
}

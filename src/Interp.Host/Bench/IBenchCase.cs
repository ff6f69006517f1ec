// One benchmark case of `interp bench`. Cases live one per class under Bench/ and are listed in BenchCases;
// the runner (BenchRunner) does timing, GC accounting and JSON output, so a case only sets up and runs work.
namespace Interp.Host.Bench;

/// <summary>Settings shared by all cases of one `interp bench` run.</summary>
public sealed record BenchContext(bool Quick, int Threads, string Backend);

public interface IBenchCase : IDisposable
{
    /// <summary>Case name, identical to the one /work/shared/bench/torch_reference.py prints (e.g. "sgemm_512x768x768").</summary>
    string Name { get; }

    /// <summary>Whether the case runs under --quick (quick runs must end within a minute).</summary>
    bool InQuickRun { get; }

    /// <summary>Minimum timed seconds (the reference script uses 2 s; longer cases may ask for more).</summary>
    double MinSeconds => 2.0;

    /// <summary>Minimum timed iterations (2, as the reference script; a case whose one iteration takes minutes may ask for 1).</summary>
    int MinIterations => 2;

    /// <summary>Allocates inputs; not timed.</summary>
    void Setup(BenchContext ctx);

    /// <summary>One timed iteration. Must dispose every tensor it creates so the pool is reused step over step.</summary>
    void Run();

    /// <summary>Adds the case's throughput fields (e.g. gflops, tokens_per_s) for the measured seconds per iteration.</summary>
    void AddMetrics(double secondsPerIteration, BenchRecord record);
}

// The managed GEMM's packing buffers are pooled: once warm, repeated calls allocate none, whichever pool
// threads run them. Runs alone (no parallel test classes) so no other GEMM user rents from the pool meanwhile.
using Interp.Tensors;

namespace Interp.Tensors.Tests.Backends;

[CollectionDefinition(nameof(GemmWorkspaceTests), DisableParallelization = true)]
public class GemmWorkspaceCollection { }

[Collection(nameof(GemmWorkspaceTests))]
public unsafe class GemmWorkspaceTests
{
    private static long AllocationsOver(int calls, int m, int n, int k)
    {
        var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n];
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            long before = GemmWorkspace.Allocations;
            for (int i = 0; i < calls; i++) ManagedGemm.Sgemm(false, false, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
            return GemmWorkspace.Allocations - before;
        }
    }

    [Fact]
    public void Sgemm_RepeatedSingleThreadedCalls_ReuseOneWorkspace()
    {
        AllocationsOver(1, 40, 50, 60); // warm: at most one buffer grows to fit
        Assert.Equal(0, AllocationsOver(10, 40, 50, 60));
    }

    [Fact]
    public void Sgemm_RepeatedMultiThreadedCalls_AllocateAtMostOneWorkspacePerThread()
    {
        // Each allocation replaces a too-small buffer with one that fits, and at most Par.Threads slabs run at
        // once, so 20 calls can never need more than Par.Threads new buffers (a per-call or per-OS-thread
        // buffer scheme would exceed that).
        const int m = 96, n = 200, k = 300; // 5.8e6 multiply-adds: above the multi-threading threshold
        Assert.True((long)m * n * k >= ManagedGemm.ParallelMinMacs);
        Assert.InRange(AllocationsOver(20, m, n, k), 0, Par.Threads);
    }
}

// Packing buffers for the managed GEMM, pooled process-wide so repeated calls allocate nothing: as many
// buffers exist as GEMM slabs ever ran at once, whichever pool threads run them. Not a general allocator.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Interp.Tensors;

internal static unsafe class GemmWorkspace
{
    private const int MaxPooled = 64;
    private static readonly float[]?[] Pool = new float[MaxPooled][];
    private static int _count;
    private static long _allocations;

    /// <summary>Buffers allocated so far (tests check that repeated calls reuse them).</summary>
    public static long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>A pinned buffer with room for two 64-byte-aligned regions of floatsA and floatsB floats.</summary>
    public static float[] Rent(long floatsA, long floatsB)
    {
        long need = floatsA + floatsB + 32; // 16 floats of alignment slack per region
        if (need > Array.MaxLength)
            throw new InvalidOperationException($"GEMM packing buffer of {need} floats exceeds the largest array; lower ManagedGemm.MC/KC/NC.");
        float[]? buf = null;
        lock (Pool)
        {
            // Take the largest pooled buffer: a small one dropped here is replaced by a big one that serves both.
            int best = -1;
            for (int i = 0; i < _count; i++)
                if (best < 0 || Pool[i]!.Length > Pool[best]!.Length) best = i;
            if (best >= 0)
            {
                buf = Pool[best];
                Pool[best] = Pool[--_count];
                Pool[_count] = null;
            }
        }
        if (buf is null || buf.Length < need)
        {
            Interlocked.Increment(ref _allocations);
            buf = GC.AllocateUninitializedArray<float>((int)need, pinned: true);
        }
        return buf;
    }

    public static void Return(float[] buf)
    {
        lock (Pool)
            if (_count < MaxPooled) Pool[_count++] = buf;
    }

    /// <summary>Start of region A, 64-byte aligned.</summary>
    public static float* RegionA(float[] pinned) => Align((float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)));

    /// <summary>Start of region B (after floatsA floats of region A), 64-byte aligned.</summary>
    public static float* RegionB(float[] pinned, long floatsA) => Align(RegionA(pinned) + floatsA);

    private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}

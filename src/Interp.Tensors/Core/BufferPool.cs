// A size-bucketed pool of pinned arrays so that loops of same-shaped ops reuse memory instead of
// allocating on the large-object heap every step. Not a general allocator: exact-length buckets only.
// Every rent and return is counted (TensorMemory), so tests can check that a pass gives back what it took.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Interp.Tensors;

internal static class BufferPool<T> where T : unmanaged
{
    // Arrays at or above this many elements are pinned (POH) so kernels may hold raw pointers.
    private const int PinThreshold = 1024;
    private const int MaxPerBucket = 8;
    private static readonly ConcurrentDictionary<int, ConcurrentStack<T[]>> Buckets = new();
    private static long _allocated, _reused;

    public static long Allocated => Interlocked.Read(ref _allocated);
    public static long Reused => Interlocked.Read(ref _reused);

    /// <summary>An array of exactly <paramref name="length"/> elements; contents are undefined.</summary>
    public static T[] Rent(int length)
    {
        if (length == 0) return Array.Empty<T>();
        TensorMemory.Rented((long)length * Unsafe.SizeOf<T>());
        if (Buckets.TryGetValue(length, out var stack) && stack.TryPop(out var arr))
        {
            Interlocked.Increment(ref _reused);
            return arr;
        }
        Interlocked.Increment(ref _allocated);
        return GC.AllocateUninitializedArray<T>(length, pinned: length >= PinThreshold);
    }

    public static void Return(T[] arr)
    {
        if (arr.Length == 0) return;
        TensorMemory.Returned((long)arr.Length * Unsafe.SizeOf<T>());
        var stack = Buckets.GetOrAdd(arr.Length, _ => new ConcurrentStack<T[]>());
        if (stack.Count < MaxPerBucket) stack.Push(arr);
    }

    /// <summary>Drops every pooled array (tests and long-running hosts that change workload).</summary>
    public static void Clear() => Buckets.Clear();
}

/// <summary>Pool accounting across element types: how many pooled buffers tensors hold right now. A buffer rented for a
/// tensor counts until the last handle on its storage is disposed; one whose tensors were only dropped (left to the
/// GC) counts forever, so a count that does not return to its baseline after a pass is a leak.</summary>
public static class TensorMemory
{
    private static long _buffers, _bytes;

    /// <summary>Pooled buffers rented and not yet returned (all element types).</summary>
    public static long OutstandingBuffers => Interlocked.Read(ref _buffers);

    /// <summary>Bytes of those buffers.</summary>
    public static long OutstandingBytes => Interlocked.Read(ref _bytes);

    /// <summary>Drops the arrays the pools keep for reuse (not the ones tensors hold), so the GC can reclaim them.</summary>
    public static void TrimPools()
    {
        BufferPool<float>.Clear(); BufferPool<double>.Clear(); BufferPool<long>.Clear(); BufferPool<int>.Clear();
    }

    internal static void Rented(long bytes) { Interlocked.Increment(ref _buffers); Interlocked.Add(ref _bytes, bytes); }
    internal static void Returned(long bytes) { Interlocked.Decrement(ref _buffers); Interlocked.Add(ref _bytes, -bytes); }
}

// A size-bucketed pool of pinned arrays so that loops of same-shaped ops reuse memory instead of
// allocating on the large-object heap every step. Not a general allocator: exact-length buckets only.
using System.Collections.Concurrent;

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
        var stack = Buckets.GetOrAdd(arr.Length, _ => new ConcurrentStack<T[]>());
        if (stack.Count < MaxPerBucket) stack.Push(arr);
    }

    /// <summary>Drops every pooled array (tests and long-running hosts that change workload).</summary>
    public static void Clear() => Buckets.Clear();
}

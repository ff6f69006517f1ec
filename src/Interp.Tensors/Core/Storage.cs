// Reference-counted flat storage shared by a tensor and its views. When the last holder releases it,
// the array goes back to the pool. Tensors that are never disposed are simply collected by the GC.
using System.Runtime.CompilerServices;

namespace Interp.Tensors;

public abstract class Storage
{
    private int _refs = 1;
    public abstract DType DType { get; }
    public abstract int Length { get; }

    internal void Retain()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException("Storage", "A tensor's storage was used after it was disposed.");
    }

    internal void Release()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r == 0) ReturnToPool();
        else if (r < 0) throw new ObjectDisposedException("Storage", "A tensor was disposed more times than it was created.");
    }

    internal bool IsAlive => Volatile.Read(ref _refs) > 0;
    protected abstract void ReturnToPool();
}

public sealed class Storage<T> : Storage where T : unmanaged
{
    private T[]? _data;
    private readonly bool _pooled;

    internal Storage(T[] data, bool pooled) { _data = data; _pooled = pooled; }

    public static Storage<T> Rent(int length) => new(BufferPool<T>.Rent(length), pooled: true);
    public static Storage<T> Wrap(T[] data) => new(data, pooled: false);

    public T[] Data
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _data ?? throw new ObjectDisposedException("Tensor", "This tensor was disposed; its memory went back to the pool.");
    }

    public override int Length => Data.Length;

    public override DType DType =>
        typeof(T) == typeof(float) ? DType.F32 :
        typeof(T) == typeof(double) ? DType.F64 :
        typeof(T) == typeof(long) ? DType.I64 :
        typeof(T) == typeof(int) ? DType.I32 :
        throw new NotSupportedException($"no dtype for {typeof(T)}");

    protected override void ReturnToPool()
    {
        var d = _data;
        _data = null;
        if (_pooled && d is not null) BufferPool<T>.Return(d);
    }
}

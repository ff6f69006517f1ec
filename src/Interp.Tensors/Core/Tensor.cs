// The tensor: a strided view over reference-counted storage, plus the autodiff bookkeeping
// (RequiresGrad, Grad, the node that produced it). Ops live in Ops/*.cs as partial members of TensorOps.
using System.Runtime.CompilerServices;

namespace Interp.Tensors;

public sealed partial class Tensor : IDisposable
{
    public Storage Storage { get; private set; }
    public int[] Shape { get; }          // e.g. [batch, pos, d_model]
    public int[] Strides { get; }        // in elements, same rank as Shape
    public int Offset { get; }           // first element within Storage
    public DType DType => Storage.DType;
    public int Rank => Shape.Length;
    public int Numel { get; }
    private bool _disposed;
    /// <summary>The TensorScope that frees this tensor, or null when its holder does.</summary>
    internal TensorScope? Scope;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        Shape = shape;
        Strides = strides;
        Offset = offset;
        Numel = ShapeUtil.Numel(shape);
        TensorScope.Track(this);
    }

    /// <summary>A new contiguous tensor over fresh (pooled, uninitialised) storage.</summary>
    public static Tensor Empty(DType dtype, params int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        Storage s = dtype switch
        {
            DType.F32 => Storage<float>.Rent(n),
            DType.F64 => Storage<double>.Rent(n),
            DType.I64 => Storage<long>.Rent(n),
            DType.I32 => Storage<int>.Rent(n),
            _ => throw new NotSupportedException($"dtype {dtype} is a storage-only format; widen it to F32 first (it is converted on load)."),
        };
        return new Tensor(s, (int[])shape.Clone(), ShapeUtil.ContiguousStrides(shape), 0);
    }

    public static Tensor Empty(params int[] shape) => Empty(DType.F32, shape);

    public static Tensor Zeros(DType dtype, params int[] shape)
    {
        var t = Empty(dtype, shape);
        t.ClearStorage();
        return t;
    }

    public static Tensor Zeros(params int[] shape) => Zeros(DType.F32, shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Empty(DType.F32, shape);
        t.Data<float>().AsSpan(0, t.Numel).Fill(value);
        return t;
    }

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Scalar(float v) => FromArray(new[] { v });
    public static Tensor Scalar(double v) => FromArray(new[] { v });

    /// <summary>Wraps (does not copy) <paramref name="data"/>; shape defaults to 1-D.</summary>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        if (shape.Length == 0 && data.Length != 1) shape = new[] { data.Length };
        if (shape.Length == 0) shape = Array.Empty<int>();
        int n = ShapeUtil.Numel(shape);
        if (n != data.Length)
            throw new ArgumentException($"shape [{ShapeUtil.Str(shape)}] holds {n} elements but the array has {data.Length}.");
        return new Tensor(Storage<T>.Wrap(data), (int[])shape.Clone(), ShapeUtil.ContiguousStrides(shape), 0);
    }

    /// <summary>A rank-0 tensor holding one value (FromArray with an empty shape).</summary>
    public static Tensor ScalarOf<T>(T v) where T : unmanaged => new(Storage<T>.Wrap(new[] { v }), Array.Empty<int>(), Array.Empty<int>(), 0);

    /// <summary>The backing array (respect Offset/Strides unless IsContiguous and Offset == 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T[] Data<T>() where T : unmanaged
    {
        if (Storage is Storage<T> s) return s.Data;
        throw new InvalidOperationException($"tensor holds {DType}, not {typeof(T).Name}; convert it with .To(DType...) first.");
    }

    /// <summary>The elements of a contiguous tensor as a span (throws if not contiguous).</summary>
    public Span<T> Span<T>() where T : unmanaged
    {
        if (!IsContiguous) throw new InvalidOperationException($"Span<T>() needs a contiguous tensor (shape [{ShapeUtil.Str(Shape)}], strides [{ShapeUtil.Str(Strides)}]); call .Contiguous() first.");
        return Data<T>().AsSpan(Offset, Numel);
    }

    public bool IsContiguous
    {
        get
        {
            if (Numel == 0) return true;   // no element to misplace (ContiguousStrides gives [.., 1] for a 0 axis)
            int acc = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != acc) return false;
                acc *= Shape[i];
            }
            return true;
        }
    }

    public int Size(int axis) => Shape[ShapeUtil.Axis(axis, Rank)];

    /// <summary>Copies the elements out in row-major order as float (any float dtype).</summary>
    public float[] ToArray()
    {
        using var c = TensorOps.ContiguousNoGrad(this);
        return DType switch
        {
            DType.F32 => c.Span<float>().ToArray(),
            DType.F64 => Array.ConvertAll(c.Span<double>().ToArray(), x => (float)x),
            DType.I64 => Array.ConvertAll(c.Span<long>().ToArray(), x => (float)x),
            DType.I32 => Array.ConvertAll(c.Span<int>().ToArray(), x => (float)x),
            _ => throw new NotSupportedException(DType.ToString()),
        };
    }

    /// <summary>Copies the elements out in row-major order as double (exact for F64, F32, I32; I64 as (double)).</summary>
    public double[] ToDoubleArray()
    {
        using var c = TensorOps.ContiguousNoGrad(this);
        return DType switch
        {
            DType.F64 => c.Span<double>().ToArray(),
            DType.F32 => Array.ConvertAll(c.Span<float>().ToArray(), x => (double)x),
            DType.I64 => Array.ConvertAll(c.Span<long>().ToArray(), x => (double)x),
            DType.I32 => Array.ConvertAll(c.Span<int>().ToArray(), x => (double)x),
            _ => throw new NotSupportedException(DType.ToString()),
        };
    }

    public T[] ToArray<T>() where T : unmanaged
    {
        using var c = TensorOps.ContiguousNoGrad(this);
        return c.Span<T>().ToArray();
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs exactly one element; this tensor has shape [{ShapeUtil.Str(Shape)}].");
        return ToArray()[0];
    }

    public double ItemDouble()
    {
        if (Numel != 1) throw new InvalidOperationException($"ItemDouble() needs exactly one element; shape is [{ShapeUtil.Str(Shape)}].");
        return DType == DType.F64 ? Data<double>()[Offset] : ToArray()[0];
    }

    internal void ClearStorage()
    {
        switch (Storage)
        {
            case Storage<float> f: Array.Clear(f.Data); break;
            case Storage<double> d: Array.Clear(d.Data); break;
            case Storage<long> l: Array.Clear(l.Data); break;
            case Storage<int> i: Array.Clear(i.Data); break;
        }
    }

    /// <summary>A view sharing storage (retains it); the caller owns the returned tensor.</summary>
    internal Tensor ViewOf(int[] shape, int[] strides, int offset)
    {
        Storage.Retain();
        return new Tensor(Storage, shape, strides, offset);
    }


    /// <summary>Returns the storage to the pool once no view or graph node still holds it, and disposes this
    /// tensor's gradient (a tensor owns its Grad). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Storage.Release();
        if (_grad is { } g) { _grad = null; g.Dispose(); }
    }

    public bool IsDisposed => _disposed;

    public override string ToString() => $"Tensor({DType}, [{ShapeUtil.Str(Shape)}]{(RequiresGrad ? ", requires_grad" : "")})";
}

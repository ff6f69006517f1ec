// One vector kind of the in-memory index: a row-major float32 matrix [capacity, dim] of unit rows (the exact scores come
// from it) and beside it the same rows quantised to int8 [capacity, Stride] with one scale per row (the pre-scan reads
// a quarter of the bytes). Per row: scale s (max|x|/127, so x = s·code + e with |e_i| ≤ s/2), the L1 norm (for the
// error bound) and whether the row has a vector at all. Rows are addressed by slot; VectorCache owns the slots.
using System.Numerics.Tensors;

namespace Interp.Index.Embedded;

internal sealed class VectorMatrix
{
    public const int Align = 64;

    public int Dim { get; private set; }
    public int Stride { get; private set; }
    public float[] Rows { get; private set; } = [];     // [capacity, Dim]
    public sbyte[] Codes { get; private set; } = [];    // [capacity, Stride], zero-padded past Dim
    public float[] Scale { get; private set; } = [];    // [capacity]
    public float[] L1 { get; private set; } = [];       // [capacity]
    public bool[] Has { get; private set; } = [];       // [capacity]
    private int _capacity;

    public VectorMatrix(int dim, int capacity)
    {
        _capacity = capacity;
        Has = new bool[capacity]; Scale = new float[capacity]; L1 = new float[capacity];
        if (dim > 0) SetDim(dim);
    }

    public ReadOnlySpan<float> Row(int slot) => new(Rows, slot * Dim, Dim);
    public ReadOnlySpan<sbyte> Code(int slot) => new(Codes, slot * Stride, Stride);

    public void Grow(int capacity)
    {
        if (capacity <= _capacity) return;
        _capacity = capacity;
        var has = Has; var scale = Scale; var l1 = L1;
        Array.Resize(ref has, capacity); Array.Resize(ref scale, capacity); Array.Resize(ref l1, capacity);
        Has = has; Scale = scale; L1 = l1;
        if (Dim > 0)
        {
            var rows = Rows; var codes = Codes;
            Array.Resize(ref rows, capacity * Dim); Array.Resize(ref codes, capacity * Stride);
            Rows = rows; Codes = codes;
        }
    }

    /// <summary>Stores <paramref name="v"/> at <paramref name="slot"/> (empty = the row has no vector); the first vector
    /// fixes the dimension when it was not known.</summary>
    public void Set(int slot, ReadOnlySpan<float> v)
    {
        Has[slot] = v.Length > 0;
        if (v.Length == 0) return;
        if (Dim == 0) SetDim(v.Length);
        if (v.Length != Dim) throw new InvalidOperationException($"a vector of {v.Length} floats in a matrix of {Dim}.");
        v.CopyTo(Rows.AsSpan(slot * Dim, Dim));
        var code = Codes.AsSpan(slot * Stride, Stride);
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(v));   // MaxMagnitude keeps the sign
        float s = max > 0 ? max / 127f : 0f;
        Scale[slot] = s;
        L1[slot] = TensorPrimitives.SumOfMagnitudes(v);
        code.Clear();
        if (s > 0) Quantize(v, 127f / max, code);
    }

    /// <summary>code[i] = round(v[i]·inv), vectorised. |v[i]|·inv ≤ 127 up to rounding, so the clamp only guards that
    /// last ulp; multiplying by the reciprocal instead of dividing by s moves a code by at most one ulp of v/s before
    /// rounding, which the search's error bound (with its 1 % margin) covers.</summary>
    internal static void Quantize(ReadOnlySpan<float> v, float inv, Span<sbyte> code)
    {
        float[]? rented = v.Length > 1024 ? System.Buffers.ArrayPool<float>.Shared.Rent(v.Length) : null;
        Span<float> t = rented is null ? stackalloc float[v.Length] : rented.AsSpan(0, v.Length);
        TensorPrimitives.Multiply(v, inv, t);
        TensorPrimitives.Round(t, t);
        TensorPrimitives.Clamp(t, -127f, 127f, t);
        for (int i = 0; i < t.Length; i++) code[i] = (sbyte)(int)t[i];
        if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>Copies row <paramref name="from"/> over row <paramref name="to"/> (a removal moving the last row down).</summary>
    public void Move(int from, int to)
    {
        Has[to] = Has[from]; Scale[to] = Scale[from]; L1[to] = L1[from];
        if (Dim == 0) return;
        Array.Copy(Rows, from * Dim, Rows, to * Dim, Dim);
        Array.Copy(Codes, from * Stride, Codes, to * Stride, Stride);
    }

    private void SetDim(int dim)
    {
        Dim = dim;
        Stride = (dim + Align - 1) / Align * Align;
        Rows = new float[_capacity * dim];
        Codes = new sbyte[_capacity * Stride];
    }
}

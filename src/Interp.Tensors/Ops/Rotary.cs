// Rotary position embeddings in the Hugging Face "rotate half" layout (Llama, GPT-NeoX, Pythia), with partial
// rotary (dims >= rotaryDim pass through) and a position offset for KV-cache generation. Fused forward and
// hand-derived backward. Gradients flow to x only; the cos/sin tables are treated as constants.
using System.Numerics;
using System.Numerics.Tensors;

namespace Interp.Tensors;

public static partial class TensorOps
{
    /// <summary>
    /// cos/sin tables [positions, rotaryDim]: angle[p, i] = p · inv_freq[i mod rotaryDim/2] with
    /// inv_freq[j] = theta^(-2j/rotaryDim), i.e. cat(freqs, freqs) on the last axis. Angles are computed in double, then cast.
    /// </summary>
    public static (Tensor cos, Tensor sin) RotaryTables(int positions, int rotaryDim, double theta, DType dtype = DType.F32)
    {
        if (positions < 0) throw new ArgumentException($"RotaryTables: positions must be >= 0, got {positions}.");
        if (rotaryDim <= 0 || rotaryDim % 2 != 0)
            throw new ArgumentException($"RotaryTables: rotaryDim must be a positive even number (it pairs dim i with i + rotaryDim/2), got {rotaryDim}.");
        if (!(theta > 0) || double.IsInfinity(theta)) throw new ArgumentException($"RotaryTables: theta (the rotary base) must be positive and finite, got {theta}.");
        if (!DTypeInfo.IsFloat(dtype)) throw new ArgumentException($"RotaryTables: dtype must be F32 or F64, got {dtype}.");
        int half = rotaryDim / 2;
        var invFreq = new double[half];
        for (int j = 0; j < half; j++) invFreq[j] = 1.0 / Math.Pow(theta, 2.0 * j / rotaryDim);
        var cosD = new double[positions * rotaryDim];
        var sinD = new double[positions * rotaryDim];
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < rotaryDim; i++)
                (sinD[p * rotaryDim + i], cosD[p * rotaryDim + i]) = Math.SinCos(p * invFreq[i % half]);
        if (dtype == DType.F64) return (Tensor.FromArray(cosD, positions, rotaryDim), Tensor.FromArray(sinD, positions, rotaryDim));
        var cos = Tensor.Empty(DType.F32, positions, rotaryDim);
        var sin = Tensor.Empty(DType.F32, positions, rotaryDim);
        TensorPrimitives.ConvertTruncating<double, float>(cosD, cos.Span<float>());
        TensorPrimitives.ConvertTruncating<double, float>(sinD, sin.Span<float>());
        return (cos, sin);
    }

    /// <summary>Rotary embedding of x at positions 0..pos-1 (rows 0.. of the tables).</summary>
    public static Tensor ApplyRotary(Tensor x /* [batch, pos, heads, d_head] */, Tensor cos /* [positions, rotaryDim] */, Tensor sin /* [positions, rotaryDim] */)
        => ApplyRotary(x, cos, sin, 0);

    /// <summary>
    /// On the first rotaryDim dims of each head: x_rot·cos + rotate_half(x_rot)·sin with rotate_half(u) = cat(-u[half:], u[:half]),
    /// using table rows posOffset..posOffset+pos-1; dims >= rotaryDim are copied unchanged.
    /// </summary>
    public static Tensor ApplyRotary(Tensor x /* [batch, pos, heads, d_head] */, Tensor cos /* [positions, rotaryDim] */, Tensor sin /* [positions, rotaryDim] */, int posOffset)
    {
        if (x.Rank != 4) throw new ArgumentException($"ApplyRotary: x must be [batch, pos, heads, d_head], but has shape [{ShapeUtil.Str(x.Shape)}].");
        RequireFloat(x, "ApplyRotary", "x");
        if (cos.Rank != 2 || !ShapeUtil.SameShape(cos.Shape, sin.Shape))
            throw new ArgumentException($"ApplyRotary: cos and sin must both be [positions, rotaryDim]; got [{ShapeUtil.Str(cos.Shape)}] and [{ShapeUtil.Str(sin.Shape)}].");
        if (cos.DType != x.DType || sin.DType != x.DType)
            throw new ArgumentException($"ApplyRotary: x is {x.DType} but cos/sin are {cos.DType}/{sin.DType}; build the tables with RotaryTables(..., dtype: {x.DType}).");
        int pos = x.Shape[1], dHead = x.Shape[3], rot = cos.Shape[1], positions = cos.Shape[0];
        if (rot <= 0 || rot % 2 != 0 || rot > dHead)
            throw new ArgumentException($"ApplyRotary: rotaryDim (the tables' last size) must be a positive even number <= d_head ({dHead}), got {rot}.");
        if (posOffset < 0 || (long)posOffset + pos > positions)
            throw new ArgumentException($"ApplyRotary: positions {posOffset}..{posOffset + pos - 1} are needed but the tables hold {positions} rows; " +
                "build larger tables with RotaryTables or check posOffset.");
        if (Tensor.NeedsGrad(cos, sin))
            throw new InvalidOperationException("ApplyRotary does not differentiate through the cos/sin tables; pass them without RequiresGrad (or Detach() them).");

        using var c = TableRows(cos, posOffset, pos);
        using var signedSin = SignedSin(sin, posOffset, pos, forward: true);
        var y = Tensor.Empty(x.DType, x.Shape);
        RotaryAny(x, c, signedSin, y);
        var savedCos = cos; var savedSin = sin;
        return Tensor.Record(y, "rotary", new[] { x }, g =>
        {
            // y = x·c + R(x)·s is linear in x, so grad_x = g·c + Rᵀ(g·s), with Rᵀ(v) = cat(v[half:], -v[:half]).
            using var cb = TableRows(savedCos, posOffset, pos);
            using var sb = SignedSin(savedSin, posOffset, pos, forward: false);
            var gx = Tensor.Empty(g.DType, g.Shape);
            RotaryAny(g, cb, sb, gx);
            return new[] { gx };
        }, cos, sin);
    }

    /// <summary>
    /// Rows posOffset.. of sin rearranged so one kernel serves both directions: out[:h] = a[:h]·c[:h] + a[h:]·S[:h],
    /// out[h:] = a[h:]·c[h:] + a[:h]·S[h:]. Forward: S = cat(-sin[:h], sin[h:]); backward: S = cat(sin[h:], -sin[:h]).
    /// </summary>
    private static Tensor SignedSin(Tensor sin, int posOffset, int pos, bool forward)
    {
        int rot = sin.Shape[1], h = rot / 2;
        using var s = TableRows(sin, posOffset, pos);
        var o = Tensor.Empty(sin.DType, pos, rot);
        if (sin.DType == DType.F32) SignedSinKernel(s.Span<float>(), o.Span<float>(), pos, h, forward);
        else SignedSinKernel(s.Span<double>(), o.Span<double>(), pos, h, forward);
        return o;
    }

    /// <summary>Rows posOffset..posOffset+pos-1 of a table, dense and unrecorded (dispose it).</summary>
    private static Tensor TableRows(Tensor table, int posOffset, int pos)
    {
        using var view = table.Detach();
        using var rows = Narrow(view, 0, posOffset, pos);
        return Dense(rows);
    }

    private static void SignedSinKernel<T>(ReadOnlySpan<T> s, Span<T> o, int pos, int h, bool forward) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rot = 2 * h;
        for (int p = 0; p < pos; p++)
        {
            var sr = s.Slice(p * rot, rot); var dst = o.Slice(p * rot, rot);
            if (forward) { TensorPrimitives.Negate(sr[..h], dst[..h]); sr[h..].CopyTo(dst[h..]); }
            else { sr[h..].CopyTo(dst[..h]); TensorPrimitives.Negate(sr[..h], dst[h..]); }
        }
    }

    private static void RotaryAny(Tensor a, Tensor c, Tensor s, Tensor o)
    {
        // Rows of the innermost axis are read in place when it is unit-stride; otherwise a dense copy is made.
        Tensor? copy = a.Strides[3] == 1 || a.Shape[3] == 1 ? null : Dense(a);
        try
        {
            var src = copy ?? a;
            var offs = Strided.RowOffsets(src.Shape, src.Strides, src.Offset);
            int rot = c.Shape[1];
            if (a.DType == DType.F32) RotaryKernel(src.Data<float>(), offs, c.Data<float>(), c.Offset, s.Data<float>(), rot, a.Shape, o.Data<float>());
            else RotaryKernel(src.Data<double>(), offs, c.Data<double>(), c.Offset, s.Data<double>(), rot, a.Shape, o.Data<double>());
        }
        finally { copy?.Dispose(); }
    }

    /// <summary>For every row r = (b, p, head): o[r] = rotate(a[offs[r]..]) with table row p of c (from cOff) and s (signed, from 0).</summary>
    private static void RotaryKernel<T>(T[] a, int[] offs, T[] c, int cOff, T[] s, int rot, int[] shape, T[] o) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pos = shape[1], heads = shape[2], d = shape[3], h = rot / 2;
        int rows = offs.Length;
        if (rows == 0 || d == 0 || heads == 0 || pos == 0) return;
        Par.For(rows, 3L * d, (st, en) =>
        {
            for (int r = st; r < en; r++)
            {
                int p = r / heads % pos;
                ReadOnlySpan<T> ar = a.AsSpan(offs[r], d);
                ReadOnlySpan<T> cr = c.AsSpan(cOff + p * rot, rot), sr = s.AsSpan(p * rot, rot);
                var dst = o.AsSpan(r * d, d);
                TensorPrimitives.Multiply(ar[..rot], cr, dst[..rot]);
                TensorPrimitives.FusedMultiplyAdd(ar.Slice(h, h), sr[..h], dst[..h], dst[..h]);
                TensorPrimitives.FusedMultiplyAdd(ar[..h], sr.Slice(h, h), dst.Slice(h, h), dst.Slice(h, h));
                ar[rot..].CopyTo(dst[rot..]);
            }
        });
    }
}

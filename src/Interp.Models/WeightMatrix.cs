// A weight matrix copied out of its tensor for weight processing, addressed by its logical input and
// output axes whatever its storage layout ([in, out] or [out, in]). Sums accumulate in float64.
// Not an autograd op: it builds new parameter tensors once, at load.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Interp.Tensors;

namespace Interp.Models;

internal sealed class WeightMatrix
{
    private readonly float[] _data; // [rows, cols] row-major
    private readonly int _rows, _cols;
    private readonly bool _outIn;

    public int In => _outIn ? _cols : _rows;
    public int Out => _outIn ? _rows : _cols;

    /// <param name="t">[in, out] or, with <paramref name="outIn"/>, [out, in]</param>
    public WeightMatrix(Tensor t, bool outIn)
    {
        if (t.Rank != 2 || t.DType != DType.F32)
            throw new InvalidOperationException($"weight processing expects F32 matrices, got {t.DType} [{ShapeUtil.Str(t.Shape)}].");
        _data = t.ToArray(); _rows = t.Shape[0]; _cols = t.Shape[1]; _outIn = outIn;
    }

    public Tensor ToTensor() => Tensor.FromArray((float[])_data.Clone(), _rows, _cols);

    /// <summary>W[i, :] *= w[i] for every input i (W' = diag(w)·W).</summary>
    public void ScaleIn(float[] w)
    {
        Check(w.Length, In, "scale");
        if (_outIn) for (int r = 0; r < _rows; r++) { var row = Row(r); TensorPrimitives.Multiply(row, w, row); }
        else for (int r = 0; r < _rows; r++) { var row = Row(r); TensorPrimitives.Multiply(row, w[r], row); }
    }

    /// <summary>Subtracts, for each output, the mean over the input axis.</summary>
    public void CenterIn() { if (_outIn) CenterRows(); else CenterCols(); }

    /// <summary>Subtracts, for each input, the mean over the output axis.</summary>
    public void CenterOut() { if (_outIn) CenterCols(); else CenterRows(); }

    /// <summary>v·W: for v [in], returns [out] with out[o] = Σ_i v[i]·W[i, o].</summary>
    public double[] InProduct(float[] v)
    {
        Check(v.Length, In, "input vector");
        var r = new double[Out];
        if (_outIn)
            for (int o = 0; o < _rows; o++) { var row = Row(o); double s = 0; for (int i = 0; i < _cols; i++) s += (double)row[i] * v[i]; r[o] = s; }
        else
            for (int i = 0; i < _rows; i++) { var row = Row(i); double vi = v[i]; if (vi == 0) continue; for (int o = 0; o < _cols; o++) r[o] += vi * row[o]; }
        return r;
    }

    private Span<float> Row(int r) => _data.AsSpan(r * _cols, _cols);

    private void CenterRows()
    {
        for (int r = 0; r < _rows; r++)
        {
            var row = Row(r);
            double s = 0;
            foreach (var x in row) s += x;
            TensorPrimitives.Subtract(row, (float)(s / _cols), row);
        }
    }

    private void CenterCols()
    {
        var mean = new double[_cols];
        for (int r = 0; r < _rows; r++) { var row = Row(r); for (int c = 0; c < _cols; c++) mean[c] += row[c]; }
        var m = new float[_cols];
        for (int c = 0; c < _cols; c++) m[c] = (float)(mean[c] / _rows);
        for (int r = 0; r < _rows; r++) { var row = Row(r); TensorPrimitives.Subtract(row, m, row); }
    }

    private static void Check(int got, int want, string what)
    {
        if (got != want) throw new InvalidOperationException($"weight processing: {what} has {got} entries but the matrix axis has {want} (a wrong WeightRoles declaration?).");
    }

    /// <summary>Subtracts the mean of <paramref name="v"/> from every entry, in place.</summary>
    public static void CenterVector(float[] v)
    {
        double s = 0;
        foreach (var x in v) s += x;
        TensorPrimitives.Subtract(v, (float)(s / v.Length), v);
    }
}

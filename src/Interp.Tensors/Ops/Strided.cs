// Walks strided (possibly broadcast) layouts row by row: the innermost axis is handed to a span kernel,
// the outer axes are enumerated with an odometer. Used by copies and broadcasting binary ops.
namespace Interp.Tensors;

internal static class Strided
{
    /// <summary>Offsets of the first element of every innermost row, for a layout.</summary>
    public static int[] RowOffsets(int[] shape, int[] strides, int offset)
    {
        int r = shape.Length;
        if (r == 0) return new[] { offset };
        int rows = 1;
        for (int i = 0; i < r - 1; i++) rows *= shape[i];
        var offs = new int[rows];
        if (rows == 0) return offs;
        var idx = new int[Math.Max(r - 1, 0)];
        int cur = offset;
        for (int row = 0; row < rows; row++)
        {
            offs[row] = cur;
            for (int d = r - 2; d >= 0; d--)
            {
                idx[d]++;
                cur += strides[d];
                if (idx[d] < shape[d]) break;
                cur -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return offs;
    }

    /// <summary>Copies a strided view into a contiguous destination span.</summary>
    public static void CopyToContiguous<T>(T[] src, int[] shape, int[] strides, int offset, Span<T> dst) where T : unmanaged
    {
        int r = shape.Length;
        if (r == 0) { dst[0] = src[offset]; return; }
        int inner = shape[r - 1], istride = strides[r - 1];
        var offs = RowOffsets(shape, strides, offset);
        for (int row = 0; row < offs.Length; row++)
        {
            var d = dst.Slice(row * inner, inner);
            int o = offs[row];
            if (istride == 1) src.AsSpan(o, inner).CopyTo(d);
            else for (int j = 0; j < inner; j++) d[j] = src[o + j * istride];
        }
    }

    /// <summary>Copies a contiguous source into a strided destination view.</summary>
    public static void CopyFromContiguous<T>(ReadOnlySpan<T> src, T[] dst, int[] shape, int[] strides, int offset) where T : unmanaged
    {
        int r = shape.Length;
        if (r == 0) { dst[offset] = src[0]; return; }
        int inner = shape[r - 1], istride = strides[r - 1];
        var offs = RowOffsets(shape, strides, offset);
        for (int row = 0; row < offs.Length; row++)
        {
            var s = src.Slice(row * inner, inner);
            int o = offs[row];
            if (istride == 1) s.CopyTo(dst.AsSpan(o, inner));
            else for (int j = 0; j < inner; j++) dst[o + j * istride] = s[j];
        }
    }
}

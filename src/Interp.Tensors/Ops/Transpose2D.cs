// Cache-blocked out-of-place transpose of a row-major matrix, used when a transposed view of a large
// matrix is made contiguous (a naive strided copy misses the cache on every element).
namespace Interp.Tensors;

internal static class Transpose2D
{
    private const int Tile = 32;

    /// <summary>dst[c·rows + r] = src[srcOffset + r·ld + c] for r &lt; rows, c &lt; cols (dst is cols×rows, contiguous).</summary>
    public static void Run<T>(T[] src, int srcOffset, int rows, int cols, int ld, T[] dst, int dstOffset) where T : unmanaged
    {
        int tiles = (cols + Tile - 1) / Tile;
        Par.For(tiles, (long)Tile * rows, (t0, t1) =>
        {
            for (int t = t0; t < t1; t++)
            {
                int c0 = t * Tile, c1 = Math.Min(cols, c0 + Tile);
                for (int r0 = 0; r0 < rows; r0 += Tile)
                {
                    int r1 = Math.Min(rows, r0 + Tile);
                    for (int r = r0; r < r1; r++)
                    {
                        int s = srcOffset + r * ld;
                        for (int c = c0; c < c1; c++) dst[dstOffset + c * rows + r] = src[s + c];
                    }
                }
            }
        });
    }
}

// The order finalize ranks a feature's activations in: value descending, ties in their given (context, position) order.
// A stable least-significant-digit radix sort on the values' bits (three 11-bit digits, a digit every value shares is
// skipped), with the comparison sort it must equal beside it (used for short inputs, and by the tests).
namespace Interp.Dictionaries.Cache;

internal static class ValueOrder
{
    private const int Bits = 11, Buckets = 1 << Bits, RadixFrom = 256;

    /// <summary>Writes into <paramref name="order"/> the indices of <paramref name="vals"/> (finite) by value descending,
    /// equal values by index ascending. <paramref name="scratch"/> needs 3·n elements (as int).</summary>
    public static void Sort(ReadOnlySpan<float> vals, Span<int> order, Span<int> scratch)
    {
        int n = vals.Length;
        if (n < RadixFrom) { Reference(vals, order); return; }
        var keys = System.Runtime.InteropServices.MemoryMarshal.Cast<int, uint>(scratch[..n]);
        var keysTmp = System.Runtime.InteropServices.MemoryMarshal.Cast<int, uint>(scratch.Slice(n, n));
        var orderTmp = scratch.Slice(2 * n, n);
        Span<int> counts = stackalloc int[3 * Buckets];
        counts.Clear();
        for (int i = 0; i < n; i++)
        {
            uint k = ~Sortable(vals[i]);                                    // ascending k = descending value
            keys[i] = k;
            order[i] = i;
            counts[(int)(k & (Buckets - 1))]++;
            counts[Buckets + (int)((k >> Bits) & (Buckets - 1))]++;
            counts[2 * Buckets + (int)(k >> (2 * Bits))]++;
        }
        bool inTmp = false;
        uint k0 = keys[0];
        for (int d = 0; d < 3; d++)
        {
            var c = counts.Slice(d * Buckets, Buckets);
            int shift = d * Bits;
            if (c[(int)((k0 >> shift) & (Buckets - 1))] == n) continue;     // every value has this digit: the pass changes nothing
            int sum = 0;
            for (int b = 0; b < Buckets; b++) { int x = c[b]; c[b] = sum; sum += x; }
            if (inTmp) Pass(keysTmp, orderTmp, keys, order, c, shift);
            else Pass(keys, order, keysTmp, orderTmp, c, shift);
            inTmp = !inTmp;
        }
        if (inTmp) orderTmp.CopyTo(order);
    }

    /// <summary>One stable counting pass on the digit at <paramref name="shift"/>; <paramref name="start"/> holds each
    /// bucket's first output slot and is advanced.</summary>
    private static void Pass(Span<uint> srcK, Span<int> srcO, Span<uint> dstK, Span<int> dstO, Span<int> start, int shift)
    {
        for (int i = 0; i < srcK.Length; i++)
        {
            uint k = srcK[i];
            int at = start[(int)((k >> shift) & (Buckets - 1))]++;
            dstK[at] = k;
            dstO[at] = srcO[i];
        }
    }

    /// <summary>The same order by a comparison sort of (key, index) pairs.</summary>
    public static void Reference(ReadOnlySpan<float> vals, Span<int> order)
    {
        var pairs = new ulong[vals.Length];
        for (int i = 0; i < vals.Length; i++) pairs[i] = (ulong)~Sortable(vals[i]) << 32 | (uint)i;
        Array.Sort(pairs);
        for (int i = 0; i < pairs.Length; i++) order[i] = (int)(uint)pairs[i];
    }

    /// <summary>A float's bits mapped so that unsigned order is numeric order.</summary>
    private static uint Sortable(float v)
    {
        uint b = BitConverter.SingleToUInt32Bits(v);
        return (b & 0x8000_0000u) != 0 ? ~b : b | 0x8000_0000u;
    }
}

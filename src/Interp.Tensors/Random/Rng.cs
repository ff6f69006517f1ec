// A seeded, reproducible random generator: xoshiro256** (Blackman & Vigna), its state filled by
// SplitMix64 from a 64-bit seed. Uses only integer and correctly-rounded IEEE arithmetic (its own log),
// so a seed gives the same numbers on every run and platform. Not for cryptography; not thread-safe.
// Namespace Interp.Tensors (not .Random) on purpose: a namespace named Random would shadow System.Random.
namespace Interp.Tensors;

public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;   // the polar method yields normals in pairs

    /// <summary>A generator whose whole output is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong sm = seed;
        _s0 = SplitMix64(ref sm); _s1 = SplitMix64(ref sm); _s2 = SplitMix64(ref sm); _s3 = SplitMix64(ref sm);
    }

    public Rng(long seed) : this(unchecked((ulong)seed)) { }

    /// <summary>A generator started from an explicit xoshiro256** state (must not be all zero).</summary>
    public static Rng FromState(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        if ((s0 | s1 | s2 | s3) == 0) throw new ArgumentException("the xoshiro256** state must not be all zero.");
        var r = new Rng(0UL);
        r._s0 = s0; r._s1 = s1; r._s2 = s2; r._s3 = s3;
        return r;
    }

    /// <summary>One SplitMix64 step: advances <paramref name="state"/> and returns the mixed output.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A new independent generator seeded from this one's stream (for handing to another component).</summary>
    public Rng Fork() => new(NextUInt64());

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, bound), unbiased (Lemire's multiply-and-reject).</summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "bound must be positive.");
        ulong hi = Math.BigMul(NextUInt64(), bound, out ulong lo);
        if (lo < bound)
        {
            ulong threshold = (0 - bound) % bound; // 2^64 mod bound: the count of values that would bias the result
            while (lo < threshold) hi = Math.BigMul(NextUInt64(), bound, out lo);
        }
        return hi;
    }

    /// <summary>Uniform integer in [lo, hiExclusive), unbiased.</summary>
    public long NextInt64(long lo, long hiExclusive)
    {
        if (hiExclusive <= lo) throw new ArgumentOutOfRangeException(nameof(hiExclusive), $"need lo < hiExclusive; got [{lo}, {hiExclusive}).");
        ulong range = unchecked((ulong)(hiExclusive - lo));
        return unchecked(lo + (long)NextBelow(range));
    }

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => n > 0 ? (int)NextBelow((ulong)n) : throw new ArgumentOutOfRangeException(nameof(n), $"need n > 0; got {n}.");

    /// <summary>A standard normal sample (Marsaglia's polar method, with a platform-independent log).</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare) { _spareNormal = null; return spare; }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * DetMath.Log(s) / s);
        _spareNormal = v * f;
        return u * f;
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="items"/> in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)NextBelow((ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..n-1 as an int array.</summary>
    public int[] PermutationArray(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"need n >= 0; got {n}.");
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p);
        return p;
    }

    // ---- Tensor fillers -------------------------------------------------------------------------

    /// <summary>Normal(mean, std) samples of the given shape, as F32 or F64.</summary>
    public Tensor Normal(int[] shape, double mean = 0, double std = 1, DType dtype = DType.F32)
    {
        if (!(std >= 0) || double.IsInfinity(std)) throw new ArgumentOutOfRangeException(nameof(std), $"std must be finite and >= 0; got {std}.");
        var t = EmptyFloat(shape, dtype, nameof(Normal));
        if (dtype == DType.F32) { var d = t.Span<float>(); for (int i = 0; i < d.Length; i++) d[i] = (float)(mean + std * NextNormal()); }
        else { var d = t.Span<double>(); for (int i = 0; i < d.Length; i++) d[i] = mean + std * NextNormal(); }
        return t;
    }

    /// <summary>Uniform samples in [lo, hi) of the given shape, as F32 or F64.</summary>
    public Tensor Uniform(int[] shape, double lo = 0, double hi = 1, DType dtype = DType.F32)
    {
        if (!(lo < hi) || double.IsInfinity(hi - lo)) throw new ArgumentOutOfRangeException(nameof(hi), $"need finite lo < hi; got [{lo}, {hi}).");
        var t = EmptyFloat(shape, dtype, nameof(Uniform));
        double w = hi - lo;
        if (dtype == DType.F32)
        {
            var d = t.Span<float>();
            float fhi = (float)hi, flo = (float)lo;
            if (!(flo < fhi)) throw new ArgumentOutOfRangeException(nameof(hi), $"[{lo}, {hi}) is empty in float32; widen it or use F64.");
            for (int i = 0; i < d.Length; i++)
            {
                float x = (float)(lo + w * NextDouble());
                d[i] = x >= fhi ? MathF.BitDecrement(fhi) : x < flo ? flo : x; // rounding must not reach hi
            }
        }
        else
        {
            var d = t.Span<double>();
            for (int i = 0; i < d.Length; i++)
            {
                double x = lo + w * NextDouble();
                d[i] = x >= hi ? Math.BitDecrement(hi) : x;
            }
        }
        return t;
    }

    /// <summary>Uniform integers in [lo, hiExclusive) of the given shape, as I64 (unbiased).</summary>
    public Tensor RandInt(int[] shape, long lo, long hiExclusive)
    {
        if (hiExclusive <= lo) throw new ArgumentOutOfRangeException(nameof(hiExclusive), $"need lo < hiExclusive; got [{lo}, {hiExclusive}).");
        var t = Tensor.Empty(DType.I64, shape);
        var d = t.Span<long>();
        for (int i = 0; i < d.Length; i++) d[i] = NextInt64(lo, hiExclusive);
        return t;
    }

    /// <summary>A random permutation of 0..n-1 as an I64 tensor of shape [n].</summary>
    public Tensor Permutation(int n)
    {
        var p = PermutationArray(n);
        var t = Tensor.Empty(DType.I64, n);
        var d = t.Span<long>();
        for (int i = 0; i < n; i++) d[i] = p[i];
        return t;
    }

    private static Tensor EmptyFloat(int[] shape, DType dtype, string what)
    {
        if (dtype is not (DType.F32 or DType.F64)) throw new ArgumentException($"{what} fills F32 or F64 tensors; got {dtype}.", nameof(dtype));
        return Tensor.Empty(dtype, shape);
    }
}

// sgemm_{m}x{k}x{n}: C[m, n] = A[m, k] · B[k, n] in float32 through TensorOps.MatMul (so the tensor path,
// pool and backend are all measured). Reports GFLOP/s as 2·m·k·n / seconds, like torch_reference.py.
using Interp.Tensors;

namespace Interp.Host.Bench;

public sealed class SgemmCase(int m, int k, int n, bool inQuickRun) : IBenchCase
{
    private Tensor? _a, _b; // [m, k], [k, n]

    public string Name => $"sgemm_{m}x{k}x{n}";
    public bool InQuickRun => inQuickRun;

    public void Setup(BenchContext ctx)
    {
        var rng = new Random(0);
        _a = Random(rng, m, k);
        _b = Random(rng, k, n);
    }

    public void Run()
    {
        using var c = TensorOps.MatMul(_a!, _b!); // [m, n]
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
        => record.Add("gflops", Math.Round(2.0 * m * k * n / secondsPerIteration / 1e9, 2));

    private static Tensor Random(Random rng, int rows, int cols)
    {
        var t = Tensor.Empty(rows, cols);
        var d = t.Span<float>();
        for (int i = 0; i < d.Length; i++) d[i] = rng.NextSingle() * 2f - 1f;
        return t;
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _a = _b = null;
    }
}

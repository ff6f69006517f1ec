// Adam (L2 weight decay added to the gradient, as torch.optim.Adam does) and AdamW (decoupled decay
// p -= lr·wd·p), both bias-corrected, updating contiguous parameters in place with one fused SIMD pass.
// State (per-parameter step count and moment estimates) can be saved and loaded as named tensors.
using System.Numerics;

namespace Interp.Tensors.Optim;

public class Adam : IOptimizer
{
    private readonly Tensor[] _params;
    private readonly Tensor?[] _m, _v;       // exp_avg, exp_avg_sq: allocated on a parameter's first step
    private readonly long[] _steps;
    private readonly bool _decoupled;

    public IReadOnlyList<Tensor> Parameters => _params;
    public double Lr { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    /// <summary>Adam with L2 weight decay (wd·p added to the gradient). Parameters must be contiguous F32/F64.</summary>
    public Adam(IReadOnlyList<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: false) { }

    protected Adam(IReadOnlyList<Tensor> parameters, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr >= 0)) throw new ArgumentOutOfRangeException(nameof(lr), $"learning rate must be >= 0; got {lr}.");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 must be in [0, 1); got {beta1}.");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), $"beta2 must be in [0, 1); got {beta2}.");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be >= 0; got {eps}.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"weight decay must be >= 0; got {weightDecay}.");
        _params = parameters.ToArray();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i] ?? throw new ArgumentNullException(nameof(parameters), $"parameter {i} is null.");
            if (!seen.Add(p)) throw new ArgumentException($"parameter {i} ({p}) appears twice in the list; each parameter must be given once.");
            if (!DTypeInfo.IsFloat(p.DType)) throw new ArgumentException($"parameter {i} is {p.DType}; optimizers update F32 or F64 tensors only.");
            if (!p.IsContiguous)
                throw new ArgumentException($"parameter {i} (shape [{ShapeUtil.Str(p.Shape)}], strides [{ShapeUtil.Str(p.Strides)}]) is not contiguous; the optimizer writes into the parameter's storage in place, so pass a contiguous leaf (e.g. .Contiguous() before marking it RequiresGrad).");
        }
        Lr = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay; _decoupled = decoupled;
        _m = new Tensor?[_params.Length]; _v = new Tensor?[_params.Length]; _steps = new long[_params.Length];
    }

    /// <summary>Number of steps taken by parameter <paramref name="index"/> (parameters without a gradient are skipped).</summary>
    public long StepCount(int index) => _steps[index];

    /// <summary>Clears every parameter's Grad (set to null, as torch's set_to_none).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _params) p.ZeroGrad();
    }

    /// <summary>One update of every parameter that has a Grad.</summary>
    public void Step()
    {
        using var _ = GradMode.NoGrad();
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            var g = p.Grad;
            if (g is null) continue;
            if (!ShapeUtil.SameShape(g.Shape, p.Shape) || g.DType != p.DType)
                throw new InvalidOperationException($"parameter {i} is {p.DType} [{ShapeUtil.Str(p.Shape)}] but its Grad is {g.DType} [{ShapeUtil.Str(g.Shape)}]; gradients must match their parameter.");
            using var gc = g.IsContiguous ? g.Detach() : TensorOps.ContiguousNoGrad(g);
            _m[i] ??= TensorScope.Escape(Tensor.Zeros(p.DType, p.Shape));   // state the optimizer owns
            _v[i] ??= TensorScope.Escape(Tensor.Zeros(p.DType, p.Shape));
            long t = ++_steps[i];
            if (p.DType == DType.F32) Update<float>(p, gc, _m[i]!, _v[i]!, t);
            else Update<double>(p, gc, _m[i]!, _v[i]!, t);
        }
    }

    private void Update<T>(Tensor p, Tensor g, Tensor m, Tensor v, long t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bc1 = 1 - Math.Pow(Beta1, t), bc2 = 1 - Math.Pow(Beta2, t);
        var k = new AdamCoefficients<T>(
            OneMinusB1: T.CreateChecked(1 - Beta1), B2: T.CreateChecked(Beta2), OneMinusB2: T.CreateChecked(1 - Beta2),
            StepSize: T.CreateChecked(Lr / bc1), Bc2Sqrt: T.CreateChecked(Math.Sqrt(bc2)), Eps: T.CreateChecked(Eps),
            L2: T.CreateChecked(_decoupled ? 0 : WeightDecay), Decay: T.CreateChecked(_decoupled ? 1 - Lr * WeightDecay : 1));
        T[] pa = p.Data<T>(), ga = g.Data<T>(), ma = m.Data<T>(), va = v.Data<T>();
        int po = p.Offset, go = g.Offset;
        Par.For(p.Numel, 8, (s, e) => AdamKernel(pa.AsSpan(po + s, e - s), ga.AsSpan(go + s, e - s), ma.AsSpan(s, e - s), va.AsSpan(s, e - s), k));
    }

    internal readonly record struct AdamCoefficients<T>(T OneMinusB1, T B2, T OneMinusB2, T StepSize, T Bc2Sqrt, T Eps, T L2, T Decay);

    /// <summary>
    /// g' = g + L2·p;  p ← Decay·p;  m ← m + (1-β1)(g' - m);  v ← β2·v + (1-β2)·g'²;
    /// p ← p - StepSize · m / (sqrt(v)/sqrt(bc2) + eps). One pass, Vector&lt;T&gt; wide, scalar tail.
    /// </summary>
    internal static void AdamKernel<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, in AdamCoefficients<T> k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = p.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            var omb1 = new Vector<T>(k.OneMinusB1); var b2 = new Vector<T>(k.B2); var omb2 = new Vector<T>(k.OneMinusB2);
            var step = new Vector<T>(k.StepSize); var bc2 = new Vector<T>(k.Bc2Sqrt); var eps = new Vector<T>(k.Eps);
            var l2 = new Vector<T>(k.L2); var decay = new Vector<T>(k.Decay);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var pv = new Vector<T>(p.Slice(i));
                var gv = new Vector<T>(g.Slice(i)) + l2 * pv;
                pv *= decay;
                var mv = new Vector<T>(m.Slice(i));
                mv += omb1 * (gv - mv);
                var vv = new Vector<T>(v.Slice(i)) * b2 + omb2 * (gv * gv);
                pv -= step * mv / (Vector.SquareRoot(vv) / bc2 + eps);
                pv.CopyTo(p.Slice(i)); mv.CopyTo(m.Slice(i)); vv.CopyTo(v.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            T pi = p[i];
            T gi = g[i] + k.L2 * pi;
            pi *= k.Decay;
            T mi = m[i] + k.OneMinusB1 * (gi - m[i]);
            T vi = v[i] * k.B2 + k.OneMinusB2 * (gi * gi);
            p[i] = pi - k.StepSize * mi / (T.Sqrt(vi) / k.Bc2Sqrt + k.Eps);
            m[i] = mi; v[i] = vi;
        }
    }

    // ---- checkpointing ------------------------------------------------------------------------------

    /// <summary>Per parameter i that has taken a step: "param.{i}.step" (I64 scalar), "param.{i}.exp_avg", "param.{i}.exp_avg_sq".</summary>
    public IReadOnlyDictionary<string, Tensor> GetState()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var _ = GradMode.NoGrad();
        for (int i = 0; i < _params.Length; i++)
        {
            if (_steps[i] == 0) continue;
            d[$"param.{i}.step"] = Tensor.ScalarOf(_steps[i]);
            d[$"param.{i}.exp_avg"] = Copy(_m[i]!);
            d[$"param.{i}.exp_avg_sq"] = Copy(_v[i]!);
        }
        return d;
    }

    /// <summary>Replaces all state with <paramref name="state"/> (values are copied; parameters absent from it start fresh).</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var steps = new long[_params.Length];
        var ms = new Tensor?[_params.Length]; var vs = new Tensor?[_params.Length];
        var used = 0;
        using var _ = GradMode.NoGrad();
        for (int i = 0; i < _params.Length; i++)
        {
            bool hasStep = state.TryGetValue($"param.{i}.step", out var st);
            bool hasM = state.TryGetValue($"param.{i}.exp_avg", out var m);
            bool hasV = state.TryGetValue($"param.{i}.exp_avg_sq", out var v);
            if (!hasStep && !hasM && !hasV) continue;
            if (!(hasStep && hasM && hasV))
                throw new ArgumentException($"optimizer state for parameter {i} is incomplete: need param.{i}.step, param.{i}.exp_avg and param.{i}.exp_avg_sq.");
            used += 3;
            if (st!.DType != DType.I64 || st.Numel != 1)
                throw new ArgumentException($"param.{i}.step must be a one-element I64 tensor; got {st}.");
            steps[i] = st.ToArray<long>()[0];
            if (steps[i] < 1) throw new ArgumentException($"param.{i}.step must be >= 1; got {steps[i]}.");
            var p = _params[i];
            foreach (var (name, x) in new[] { ("exp_avg", m!), ("exp_avg_sq", v!) })
                if (x.DType != p.DType || !ShapeUtil.SameShape(x.Shape, p.Shape))
                    throw new ArgumentException($"param.{i}.{name} is {x.DType} [{ShapeUtil.Str(x.Shape)}] but parameter {i} is {p.DType} [{ShapeUtil.Str(p.Shape)}]; was this state saved for another model?");
            ms[i] = TensorScope.Escape(Copy(m!)); vs[i] = TensorScope.Escape(Copy(v!));
        }
        if (used != state.Count)
        {
            var extra = state.Keys.Where(k => !IsKnownKey(k)).Take(5);
            throw new ArgumentException($"optimizer state has {state.Count - used} entries that match no parameter of this optimizer ({_params.Length} parameters), e.g. {string.Join(", ", extra)}.");
        }
        for (int i = 0; i < _params.Length; i++)
        {
            _m[i]?.Dispose(); _v[i]?.Dispose();
            _m[i] = ms[i]; _v[i] = vs[i]; _steps[i] = steps[i];
        }
    }

    /// <summary>Frees the moment estimates (the parameters are not the optimizer's).</summary>
    public void Dispose()
    {
        for (int i = 0; i < _params.Length; i++)
        {
            _m[i]?.Dispose(); _v[i]?.Dispose();
            _m[i] = _v[i] = null; _steps[i] = 0;
        }
    }

    private bool IsKnownKey(string key)
    {
        var parts = key.Split('.');
        return parts.Length == 3 && parts[0] == "param" && int.TryParse(parts[1], out int i) && i >= 0 && i < _params.Length
            && parts[2] is "step" or "exp_avg" or "exp_avg_sq";
    }

    private static Tensor Copy(Tensor x)
    {
        var y = Tensor.Empty(x.DType, x.Shape);
        using var xd = x.Detach();
        TensorOps.CopyInto(y, xd);
        return y;
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (p ← p·(1 - lr·wd) before the Adam update).</summary>
public sealed class AdamW : Adam
{
    public AdamW(IReadOnlyList<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: true) { }
}

// A sparse autoencoder in SAELens's terms: W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in] and,
// for jumprelu/batchtopk, threshold [d_sae]; Encode / Decode / Forward built from autodiff ops. Files are
// Format/SaeFiles.cs; splicing into a model is Splicing/SaeSplice.cs; training lives elsewhere.
// The SAE owns its tensors (outside every TensorScope; Dispose frees them); each call runs in its own scope.
using Interp.Tensors;

namespace Interp.Dictionaries;

/// <summary>The points inside an SAE's forward pass, in order (SAELens's hook_sae_input ... hook_sae_recons).</summary>
public enum SaeStage { Input, ActsPre, ActsPost, Recons }

/// <summary>Sees a stage's value and returns it or a replacement of the same shape, under the one callback ownership
/// rule (Interp.Models HookRun.cs): the value is borrowed, what is returned is used and never disposed by the SAE, and
/// the callback runs as the caller of Sae.Forward (what it makes belongs to that caller's TensorScope).</summary>
public delegate Tensor SaeStageFn(SaeStage stage, Tensor value);

public sealed class Sae : IDisposable
{
    public const string WEncName = "W_enc", BEncName = "b_enc", WDecName = "W_dec", BDecName = "b_dec", ThresholdName = "threshold";

    public SaeConfig Cfg { get; }
    public ISaeArchitecture Architecture { get; }
    public Tensor WEnc { get; }          // [d_in, d_sae]
    public Tensor BEnc { get; }          // [d_sae]
    public Tensor WDec { get; }          // [d_sae, d_in]
    public Tensor BDec { get; }          // [d_in]
    public Tensor? Threshold { get; }    // [d_sae], jumprelu and batchtopk only
    /// <summary>log10 of each feature's firing rate, from sparsity.safetensors when the folder has one. [d_sae]
    /// The SAE owns what is assigned here (it leaves its TensorScope; Dispose frees it).</summary>
    public Tensor? LogSparsity
    {
        get => _logSparsity;
        set => _logSparsity = value is null ? null : TensorScope.Escape(value);
    }
    private Tensor? _logSparsity;

    public int DIn => Cfg.DIn;
    public int DSae => Cfg.DSae;
    public DType DType => WEnc.DType;

    /// <summary>The weights by their SAELens names (W_enc, b_enc, W_dec, b_dec, threshold).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>W_enc, b_enc, W_dec, b_dec: what a trainer optimises (a JumpReLU trainer adds its own threshold).</summary>
    public IReadOnlyList<Tensor> Parameters => new[] { WEnc, BEnc, WDec, BDec };

    /// <summary>Takes ownership of the tensors (non-contiguous ones are replaced by contiguous copies) after checking
    /// the config, shapes, dtypes (F32 or F64, all alike) and that every weight is finite.</summary>
    public Sae(SaeConfig cfg, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, Tensor? threshold = null, string source = "SAE")
    {
        ArgumentNullException.ThrowIfNull(cfg);
        Cfg = cfg;
        Architecture = SaeArchitectures.Get(cfg.Architecture, source);
        ValidateConfig(cfg, source);
        Architecture.Validate(cfg, source);
        bool needsThreshold = Architecture.ExtraTensors.Contains(ThresholdName);
        if (needsThreshold && threshold is null)
            throw new SaeFormatException($"{source}: a {cfg.Architecture} SAE needs a '{ThresholdName}' tensor [{cfg.DSae}].");
        WEnc = Own(wEnc, WEncName, new[] { cfg.DIn, cfg.DSae }, source);
        BEnc = Own(bEnc, BEncName, new[] { cfg.DSae }, source);
        WDec = Own(wDec, WDecName, new[] { cfg.DSae, cfg.DIn }, source);
        BDec = Own(bDec, BDecName, new[] { cfg.DIn }, source);
        Threshold = threshold is null ? null : Own(threshold, ThresholdName, new[] { cfg.DSae }, source);
        if (!needsThreshold && Threshold is not null)
            throw new SaeFormatException($"{source}: a {cfg.Architecture} SAE has no '{ThresholdName}'; remove it or set architecture to jumprelu.");
        foreach (var t in new[] { BEnc, WDec, BDec, Threshold })
            if (t is not null && t.DType != WEnc.DType)
                throw new SaeFormatException($"{source}: the SAE tensors mix dtypes ({WEnc.DType} W_enc, {t.DType} other); convert them to one.");
        var map = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [WEncName] = WEnc, [BEncName] = BEnc, [WDecName] = WDec, [BDecName] = BDec };
        if (Threshold is not null) map[ThresholdName] = Threshold;
        Tensors = map;
        foreach (var t in map.Values) TensorScope.Escape(t);   // all checked: the SAE owns them from here
    }

    public static Sae Load(string directory, DType dtype = DType.F32) => SaeFiles.Load(directory, dtype);

    public void Save(string directory) => SaeFiles.Save(this, directory);

    /// <summary>Feature activations: x [.., d_in] -> [.., d_sae].</summary>
    public Tensor Encode(Tensor x)
    {
        using var scope = TensorScope.Begin();
        return scope.Keep(EncodeCore(x, null).acts);
    }

    /// <summary>Pre-activations (before the architecture's nonlinearity) and feature activations, both [.., d_sae].</summary>
    public (Tensor pre, Tensor acts) EncodeWithPre(Tensor x)
    {
        using var scope = TensorScope.Begin();
        var (pre, acts) = EncodeCore(x, null);
        return (scope.Keep(pre), scope.Keep(acts));
    }

    /// <summary>Reconstruction from feature activations: [.., d_sae] -> [.., d_in] (in the input's units).</summary>
    public Tensor Decode(Tensor acts)
    {
        using var scope = TensorScope.Begin();
        return scope.Keep(DecodeCore(acts, null));
    }

    /// <summary>Decode(Encode(x)): x [.., d_in] -> reconstruction [.., d_in].</summary>
    public Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>Forward with <paramref name="at"/> called at every stage (splicing routes model hooks through it). The
    /// callback runs as the caller (HookRun.cs): what it creates belongs to the scope current when Forward was called.</summary>
    public Tensor Forward(Tensor x, SaeStageFn? at)
    {
        if (at is not null)
        {
            var caller = TensorScope.Current;
            var inner = at;
            at = (stage, v) =>
            {
                Tensor r;
                using (TensorScope.Enter(caller)) r = inner(stage, v);
                return ReferenceEquals(r, v) ? v : TensorOps.Contiguous(r);   // our own view: what the callback returned stays its
            };
        }
        using var scope = TensorScope.Begin();
        return scope.Keep(DecodeCore(EncodeCore(x, at).acts, at));
    }

    // Both run inside the caller's TensorScope: every intermediate is freed with it.
    private (Tensor pre, Tensor acts) EncodeCore(Tensor x, SaeStageFn? at)
    {
        CheckInput(x, DIn, "Encode", "d_in");
        bool vec = x.Rank == 1;
        var cur = vec ? x.Reshape(1, DIn) : TensorOps.Contiguous(x);   // our own graph-preserving handle on x
        if (at is not null) cur = at(SaeStage.Input, cur);
        if (Cfg.NormalizeActivations == SaeConfig.NormExpectedAverageOnlyIn) cur *= RequireScale();
        if (Cfg.ApplyBDecToInput) cur -= BDec;
        var pre = TensorOps.MatMul(cur, WEnc) + BEnc;                     // [.., d_sae]
        if (at is not null) pre = at(SaeStage.ActsPre, pre);
        var acts = Architecture.Activate(this, pre);                      // [.., d_sae]
        if (at is not null) acts = at(SaeStage.ActsPost, acts);
        return vec ? (pre.Reshape(DSae), acts.Reshape(DSae)) : (pre, acts);
    }

    private Tensor DecodeCore(Tensor acts, SaeStageFn? at)
    {
        CheckInput(acts, DSae, "Decode", "d_sae");
        bool vec = acts.Rank == 1;
        var a = vec ? acts.Reshape(1, DSae) : TensorOps.Contiguous(acts);
        var rec = TensorOps.MatMul(a, WDec) + BDec;                       // [.., d_in]
        if (at is not null) rec = at(SaeStage.Recons, rec);
        if (Cfg.NormalizeActivations == SaeConfig.NormExpectedAverageOnlyIn) rec /= RequireScale();
        return vec ? rec.Reshape(DIn) : rec;
    }

    /// <summary>sqrt(d_in) / mean over rows of ‖x‖: the expected_average_only_in factor for activations [.., d_in].</summary>
    public static double EstimateNormScalingFactor(Tensor acts)
    {
        if (acts.Rank == 0 || acts.Numel == 0) throw new ArgumentException("EstimateNormScalingFactor needs at least one activation row [.., d_in].");
        return EstimateNormScalingFactor(acts.ToDoubleArray(), acts.Shape[^1]);
    }

    /// <summary>The same factor over rows given row-major [rows, d] (the SAE trainer's first buffer fill uses this too).</summary>
    public static double EstimateNormScalingFactor(ReadOnlySpan<double> rows, int d) => NormFactor(rows, d);

    /// <inheritdoc cref="EstimateNormScalingFactor(ReadOnlySpan{double}, int)"/>
    public static double EstimateNormScalingFactor(ReadOnlySpan<float> rows, int d) => NormFactor(rows, d);

    private static double NormFactor<T>(ReadOnlySpan<T> rows, int d) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        int n = d <= 0 ? 0 : rows.Length / d;
        if (n == 0) throw new ArgumentException("EstimateNormScalingFactor needs at least one activation row [.., d_in].");
        double sum = 0;
        for (int r = 0; r < n; r++)
        {
            double s = 0;
            foreach (var v in rows.Slice(r * d, d)) { double x = double.CreateTruncating(v); s += x * x; }
            sum += Math.Sqrt(s);
        }
        double mean = sum / n;
        if (!(mean > 0) || !double.IsFinite(mean)) throw new ArgumentException($"the activations' mean norm is {mean}; cannot scale it to sqrt(d_in).");
        return Math.Sqrt(d) / mean;
    }

    /// <summary>The same SAE with Cfg.NormScalingFactor = <paramref name="factor"/> (shares the weights' storage).</summary>
    public Sae WithNormScalingFactor(double factor) =>
        new(Cfg with { NormScalingFactor = factor }, WEnc.Detach(), BEnc.Detach(), WDec.Detach(), BDec.Detach(), Threshold?.Detach()) { LogSparsity = LogSparsity?.Detach() };

    /// <summary>An equivalent SAE with normalize_activations "none": W_enc·s, W_dec/s, b_dec/s (SAELens's
    /// fold_activation_norm_scaling_factor). Pre-activations, and so thresholds, are unchanged.</summary>
    public Sae FoldNormScalingFactor()
    {
        if (Cfg.NormalizeActivations != SaeConfig.NormExpectedAverageOnlyIn) throw new InvalidOperationException($"normalize_activations is '{Cfg.NormalizeActivations}'; there is no factor to fold.");
        double s = RequireScale();
        using var _ = Tensor.NoGrad();
        return new Sae(Cfg with { NormalizeActivations = SaeConfig.NormNone, NormScalingFactor = null },
            WEnc * s, BEnc.Detach(), WDec / s, BDec / s, Threshold?.Detach()) { LogSparsity = LogSparsity?.Detach() };   // the new SAE owns these
    }

    /// <summary>A copy in <paramref name="dtype"/> (F32 or F64); F64 is for finite-difference checks.</summary>
    public Sae To(DType dtype)
    {
        using var scope = TensorScope.Begin();
        using var _ = Tensor.NoGrad();
        Tensor C(Tensor t) => TensorOps.Contiguous(t.DType == dtype ? t.Detach() : t.To(dtype));
        return new Sae(Cfg, C(WEnc), C(BEnc), C(WDec), C(BDec), Threshold is null ? null : C(Threshold)) { LogSparsity = LogSparsity?.Detach() };
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
        LogSparsity?.Dispose();
    }

    private double RequireScale() => Cfg.NormScalingFactor ?? throw new InvalidOperationException(
        $"this SAE's normalize_activations is expected_average_only_in but cfg.json has no norm_scaling_factor; estimate it with " +
        "Sae.EstimateNormScalingFactor(activations) (sqrt(d_in) / mean ‖x‖ over a sample of the hook's activations) and use WithNormScalingFactor.");

    private void CheckInput(Tensor x, int width, string op, string dimName)
    {
        if (x.Rank == 0 || x.Shape[^1] != width)
            throw new ArgumentException($"Sae.{op} expects [.., {width}] ({dimName} = {width}); got [{ShapeUtil.Str(x.Shape)}].");
        if (x.DType != DType)
            throw new ArgumentException($"Sae.{op}: the input is {x.DType} but the SAE is {DType}; convert one with To().");
    }

    private static double At(Tensor c, int i) => c.DType == DType.F64 ? c.Data<double>()[c.Offset + i] : c.Data<float>()[c.Offset + i];

    private static void ValidateConfig(SaeConfig cfg, string source)
    {
        if (cfg.DIn <= 0 || cfg.DSae <= 0) throw new SaeFormatException($"{source}: d_in = {cfg.DIn} and d_sae = {cfg.DSae} must be positive.");
        if (cfg.NormalizeActivations is not (SaeConfig.NormNone or SaeConfig.NormExpectedAverageOnlyIn))
            throw new SaeFormatException($"{source}: normalize_activations '{cfg.NormalizeActivations}' is not supported; supported: none, expected_average_only_in.");
        if (cfg.NormScalingFactor is { } s && !(s > 0 && double.IsFinite(s)))
            throw new SaeFormatException($"{source}: norm_scaling_factor = {s} must be a positive finite number.");
        if (!Enum.IsDefined(cfg.ReshapeActivations))
            throw new SaeFormatException($"{source}: reshape_activations '{cfg.ReshapeActivations}' is not supported; supported: none, hook_z.");
        if (cfg.HookHeadIndex is < 0) throw new SaeFormatException($"{source}: hook_head_index = {cfg.HookHeadIndex} must be >= 0.");
    }

    /// <summary>Checks <paramref name="t"/> (replacing a non-contiguous one by a contiguous copy).</summary>
    private static Tensor Own(Tensor t, string name, int[] shape, string source)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (!ShapeUtil.SameShape(t.Shape, shape))
            throw new SaeFormatException($"{source}: {name} has shape [{ShapeUtil.Str(t.Shape)}] but d_in/d_sae say [{ShapeUtil.Str(shape)}].");
        if (t.DType is not (DType.F32 or DType.F64))
            throw new SaeFormatException($"{source}: {name} is {t.DType}; SAE weights must be floating point.");
        if (!t.IsContiguous) { var c = TensorOps.Contiguous(t.Detach()); t.Dispose(); t = c; }
        int bad = FirstNonFinite(t);
        if (bad >= 0)
        {
            double v = At(t, bad);
            var idx = shape.Length == 2 ? $"[{bad / shape[1]}, {bad % shape[1]}]" : $"[{bad}]";
            string what = double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
            throw new SaeFormatException($"{source}: {name} holds {what} at {idx}; SAE weights must be finite (a diverged or corrupted checkpoint?).");
        }
        return t;
    }

    private static int FirstNonFinite(Tensor t)
    {
        if (t.DType == DType.F32)
        {
            var s = new ReadOnlySpan<float>(t.Data<float>(), t.Offset, t.Numel);
            for (int i = 0; i < s.Length; i++) if (!float.IsFinite(s[i])) return i;
        }
        else
        {
            var s = new ReadOnlySpan<double>(t.Data<double>(), t.Offset, t.Numel);
            for (int i = 0; i < s.Length; i++) if (!double.IsFinite(s[i])) return i;
        }
        return -1;
    }
}

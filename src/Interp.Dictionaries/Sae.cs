// A sparse autoencoder in SAELens's terms: W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in] and,
// for jumprelu/batchtopk, threshold [d_sae]; Encode / Decode / Forward built from autodiff ops. Files are
// Format/SaeFiles.cs; splicing into a model is Splicing/SaeSplice.cs; training lives elsewhere.
using Interp.Tensors;

namespace Interp.Dictionaries;

/// <summary>The points inside an SAE's forward pass, in order (SAELens's hook_sae_input ... hook_sae_recons).</summary>
public enum SaeStage { Input, ActsPre, ActsPost, Recons }

/// <summary>Sees a stage's value (which it owns) and returns it or a replacement (disposing the value), as HookRun.At.</summary>
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
    /// <summary>log10 of each feature's firing rate, from sparsity.safetensors when the folder has one. [d_sae]</summary>
    public Tensor? LogSparsity { get; set; }

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
    }

    public static Sae Load(string directory, DType dtype = DType.F32) => SaeFiles.Load(directory, dtype);

    public void Save(string directory) => SaeFiles.Save(this, directory);

    /// <summary>Feature activations: x [.., d_in] -> [.., d_sae].</summary>
    public Tensor Encode(Tensor x) => EncodeCore(x, null, out _, keepPre: false);

    /// <summary>Pre-activations (before the architecture's nonlinearity) and feature activations, both [.., d_sae].</summary>
    public (Tensor pre, Tensor acts) EncodeWithPre(Tensor x)
    {
        var acts = EncodeCore(x, null, out var pre, keepPre: true);
        return (pre!, acts);
    }

    /// <summary>Reconstruction from feature activations: [.., d_sae] -> [.., d_in] (in the input's units).</summary>
    public Tensor Decode(Tensor acts) => DecodeCore(acts, null);

    /// <summary>Decode(Encode(x)): x [.., d_in] -> reconstruction [.., d_in].</summary>
    public Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>Forward with <paramref name="at"/> called at every stage (splicing routes model hooks through it).</summary>
    public Tensor Forward(Tensor x, SaeStageFn? at)
    {
        using var acts = EncodeCore(x, at, out _, keepPre: false);
        return DecodeCore(acts, at);
    }

    private Tensor EncodeCore(Tensor x, SaeStageFn? at, out Tensor? preOut, bool keepPre)
    {
        CheckInput(x, DIn, "Encode", "d_in");
        bool vec = x.Rank == 1;
        var cur = vec ? x.Reshape(1, DIn) : TensorOps.Contiguous(x);   // our own graph-preserving handle on x
        if (at is not null) cur = at(SaeStage.Input, cur);
        if (Cfg.NormalizeActivations == SaeConfig.NormExpectedAverageOnlyIn) Replace(ref cur, cur * RequireScale());
        if (Cfg.ApplyBDecToInput) Replace(ref cur, cur - BDec);
        Replace(ref cur, TensorOps.MatMul(cur, WEnc));
        var pre = cur + BEnc;                                             // [.., d_sae]
        cur.Dispose();
        if (at is not null) pre = at(SaeStage.ActsPre, pre);
        var acts = Architecture.Activate(this, pre);                      // [.., d_sae]
        if (at is not null) acts = at(SaeStage.ActsPost, acts);
        if (vec) { Replace(ref acts, acts.Reshape(DSae)); Replace(ref pre, pre.Reshape(DSae)); }
        if (keepPre) preOut = pre; else { pre.Dispose(); preOut = null; }
        return acts;
    }

    private Tensor DecodeCore(Tensor acts, SaeStageFn? at)
    {
        CheckInput(acts, DSae, "Decode", "d_sae");
        bool vec = acts.Rank == 1;
        Tensor rec;
        using (var a = vec ? acts.Reshape(1, DSae) : TensorOps.Contiguous(acts))
        using (var mm = TensorOps.MatMul(a, WDec))
            rec = mm + BDec;                                              // [.., d_in]
        if (at is not null) rec = at(SaeStage.Recons, rec);
        if (Cfg.NormalizeActivations == SaeConfig.NormExpectedAverageOnlyIn) Replace(ref rec, rec / RequireScale());
        if (vec) Replace(ref rec, rec.Reshape(DIn));
        return rec;
    }

    /// <summary>sqrt(d_in) / mean over rows of ‖x‖: the expected_average_only_in factor for activations [.., d_in].</summary>
    public static double EstimateNormScalingFactor(Tensor acts)
    {
        if (acts.Rank == 0 || acts.Numel == 0) throw new ArgumentException("EstimateNormScalingFactor needs at least one activation row [.., d_in].");
        int d = acts.Shape[^1], rows = acts.Numel / d;
        using var c = TensorOps.Contiguous(acts.Detach());
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int i = 0; i < d; i++) { double v = At(c, r * d + i); s += v * v; }
            sum += Math.Sqrt(s);
        }
        double mean = sum / rows;
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
            WEnc * s, BEnc.Detach(), WDec / s, BDec / s, Threshold?.Detach()) { LogSparsity = LogSparsity?.Detach() };
    }

    /// <summary>A copy in <paramref name="dtype"/> (F32 or F64); F64 is for finite-difference checks.</summary>
    public Sae To(DType dtype)
    {
        using var _ = Tensor.NoGrad();
        Tensor C(Tensor t) { using var d = t.Detach(); return TensorOps.Contiguous(d.DType == dtype ? d : d.To(dtype)); }
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

    private static void Replace(ref Tensor t, Tensor next)
    {
        if (!ReferenceEquals(t, next)) t.Dispose();
        t = next;
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

// BatchTopK SAE training (Bussmann et al. 2024): over the whole batch keep the round(k·rows) largest ReLU'd
// pre-activations (so mean L0 = k, varying per token), plus AuxK as for topk. Sparse throughout: each row's top-kc
// candidates come from the fused TopKLinear (kc doubles until no row could hold more kept entries than it offers,
// so the selection is exact), the others are masked to 0. The saved SAE is a jumprelu whose threshold is SAELens's
// running average of the smallest kept activation: θ ← (1 - topk_threshold_lr)·θ + topk_threshold_lr·min_kept.
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

public sealed class BatchTopKTraining(SaeTrainConfig cfg) : ISaeTrainingMethod
{
    public const string ThresholdState = "topk_threshold";
    private int _kc;                 // candidates per row; only affects speed, never the result
    private double _threshold;       // running inference threshold
    private double? _batchMin;       // smallest kept activation of the current step

    public string Name => "batchtopk";
    public bool NormalizesDecoder => true;
    public double RunningThreshold => _threshold;

    public void Validate(SaeTrainConfig c)
    {
        if (c.K is not { } k || !(k > 0) || k > c.DSae)
            throw new ArgumentException($"a batchtopk SAE needs k, the mean number of features per token, in (0, d_sae = {c.DSae}]; got {c.K?.ToString() ?? "none"}.");
    }

    public StepOutput Forward(SaeParameters p, StepInput input)
    {
        int rows = input.X.Shape[0], dSae = p.DSae;
        double k = cfg.K!.Value;
        int keep = (int)Math.Min((long)rows * dSae, Math.Max(1, Math.Round(k * rows)));
        if (_kc == 0) _kc = Math.Min(dSae, Math.Max(1, (int)Math.Ceiling(2 * k)));
        var xin = LossTerms.EncoderInput(input.X, p, cfg.ApplyBDecToInput);
        Tensor acts, idx;
        Selection sel;
        while (true)
        {
            (acts, idx) = TensorOps.TopKLinear(xin, p.WEnc, p.BEnc, _kc);            // [rows, kc], sorted per row
            sel = Select(acts.ToArray(), rows, _kc, keep);
            if (!sel.RowsMayHoldMore || _kc == dSae) break;
            _kc = Math.Min(dSae, 2 * _kc);                                           // (the narrower try is freed with the step)
        }
        _kc = Math.Min(dSae, Math.Max((int)Math.Ceiling(k) + 1, 2 * sel.MaxPerRow));
        var kept = acts * Tensor.FromArray(sel.Mask, rows, sel.Mask.Length / rows); // [rows, kc]
        _batchMin = sel.MinKept;
        return LossTerms.SparseCodeStep(p, xin, kept, idx, input, cfg);
    }

    public void AfterStep(StepOutput output)
    {
        if (_batchMin is { } m) _threshold = (1 - cfg.TopKThresholdLr) * _threshold + cfg.TopKThresholdLr * m;
        _batchMin = null;
    }

    public IReadOnlyDictionary<string, double> GetState() => new Dictionary<string, double> { [ThresholdState] = _threshold };

    public void LoadState(IReadOnlyDictionary<string, double> state)
    {
        if (!state.TryGetValue(ThresholdState, out var t)) throw new ArgumentException($"a batchtopk checkpoint needs '{ThresholdState}'.");
        _threshold = t;
    }

    public Tensor? Threshold(SaeParameters p) => Tensor.Full((float)_threshold, p.DSae);

    /// <param name="Mask">1 for kept candidates [rows·kc]</param>
    /// <param name="RowsMayHoldMore">some row's last candidate is kept, so entries beyond kc might belong too</param>
    internal sealed record Selection(float[] Mask, bool RowsMayHoldMore, int MaxPerRow, double? MinKept);

    /// <summary>The <paramref name="keep"/> largest positive values of <paramref name="a"/> [rows, kc] (rows sorted
    /// descending); ties at the cut are kept in row-major order.</summary>
    internal static Selection Select(float[] a, int rows, int kc, int keep)
    {
        int positives = 0;
        foreach (var v in a) if (v > 0) positives++;
        float cut;                       // values > cut are kept; values == cut while the quota lasts
        int quotaAtCut;
        if (positives <= keep) { cut = 0; quotaAtCut = 0; }
        else
        {
            var sorted = new float[positives];
            int n = 0;
            foreach (var v in a) if (v > 0) sorted[n++] = v;
            Array.Sort(sorted);
            cut = sorted[positives - keep];                // the keep-th largest
            int above = 0;
            foreach (var v in sorted) if (v > cut) above++;
            quotaAtCut = keep - above;
        }
        var mask = new float[a.Length];
        bool more = false;
        int maxPerRow = 0;
        double? minKept = null;
        for (int r = 0; r < rows; r++)
        {
            int inRow = 0;
            for (int j = 0; j < kc; j++)
            {
                float v = a[r * kc + j];
                bool take = v > cut || (v == cut && v > 0 && quotaAtCut-- > 0);
                if (!take) continue;
                mask[r * kc + j] = 1;
                inRow++;
                if (minKept is null || v < minKept) minKept = v;
            }
            maxPerRow = Math.Max(maxPerRow, inRow);
            float last = a[r * kc + kc - 1];
            if (last > 0 && last >= cut) more = true;
        }
        return new Selection(mask, more, maxPerRow, minKept);
    }
}

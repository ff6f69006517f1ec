// Pieces the training methods share: the encoder input (x - b_dec), the reconstruction loss (squared error summed
// over d_in, mean over tokens, as SAELens), firing statistics from dense or sparse codes, the AuxK loss, and the tail
// every sparse-code method (topk, batchtopk) ends with. All run inside the trainer's per-step TensorScope.
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

internal static class LossTerms
{
    /// <summary>x - b_dec when apply_b_dec_to_input, else a graph-preserving view of x. [batch, d_in]</summary>
    public static Tensor EncoderInput(Tensor x, SaeParameters p, bool applyBDec) => applyBDec ? x - p.BDec : TensorOps.Contiguous(x);

    /// <summary>mean over rows of Σ_d (a - b)²: [rows, d] × 2 -> scalar.</summary>
    public static Tensor SumSquaredErrorMean(Tensor a, Tensor b) => TensorOps.Sum((a - b).Square()) * (1.0 / a.Shape[0]);

    /// <summary>Firing statistics of dense codes f [rows, d_sae].</summary>
    public static (bool[] fired, int[] counts, double l0) Firing(Tensor f)
    {
        int rows = f.Shape[0], n = f.Shape[1];
        var c = TensorOps.Contiguous(f.Detach());
        var s = c.Data<float>(); int o = c.Offset;
        var counts = new int[n];
        long nz = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = new ReadOnlySpan<float>(s, o + r * n, n);
            for (int j = 0; j < n; j++) if (row[j] != 0) { counts[j]++; nz++; }
        }
        return (Array.ConvertAll(counts, x => x > 0), counts, (double)nz / rows);
    }

    /// <summary>Firing statistics of sparse codes acts/idx [rows, k] over <paramref name="dSae"/> features.</summary>
    public static (bool[] fired, int[] counts, double l0) Firing(Tensor acts, Tensor idx, int dSae)
    {
        var a = acts.ToArray();
        var ix = idx.ToArray<long>();
        var counts = new int[dSae];
        long nz = 0;
        for (int i = 0; i < a.Length; i++) if (a[i] != 0) { counts[ix[i]]++; nz++; }
        return (Array.ConvertAll(counts, x => x > 0), counts, (double)nz / acts.Shape[0]);
    }

    /// <summary>
    /// The end of a sparse-code step (topk, batchtopk): decode the kept codes acts/idx [rows, k] with SparseRowsMatMul
    /// (never a dense [rows, d_sae]), loss = mean_rows ‖x - x̂‖² + AuxK, and the firing statistics.
    /// </summary>
    public static StepOutput SparseCodeStep(SaeParameters p, Tensor xin, Tensor acts, Tensor idx, StepInput input, SaeTrainConfig cfg)
    {
        var xhat = TensorOps.SparseRowsMatMul(acts, idx, p.WDec) + p.BDec;        // [rows, d_in]
        var loss = SumSquaredErrorMean(xhat, input.X);
        var aux = AuxK(p, xin, input.X, xhat, input, cfg);
        if (aux is not null) loss += aux;
        var (fired, counts, l0) = Firing(acts, idx, p.DSae);
        return new StepOutput { Loss = loss, XHat = xhat, AuxLoss = aux?.ItemDouble() ?? 0, L0 = l0, Fired = fired, FireCounts = counts };
    }

    /// <summary>
    /// The AuxK loss (Gao et al. 2024, as SAELens computes it): with D the dead features (k_aux = min(aux_k, |D|),
    /// aux_k default d_in/2), the top-k_aux of the pre-activations restricted to D (ReLU'd) are decoded without b_dec
    /// and fitted to the residual e = x - x̂ (held fixed): scale · mean_rows ‖e - ê‖², scale = min(|D| / aux_k, 1).
    /// Returns the term times aux_k_coef, or null when nothing is dead or the coefficient is 0.
    /// </summary>
    public static Tensor? AuxK(SaeParameters p, Tensor xin /* [rows, d_in] */, Tensor x, Tensor xhat, StepInput input, SaeTrainConfig cfg)
    {
        if (input.DeadCount == 0 || cfg.AuxKCoefficient == 0) return null;
        int auxK = cfg.AuxK ?? Math.Max(1, p.DIn / 2);
        int kAux = Math.Min(auxK, input.DeadCount);
        double scale = Math.Min((double)input.DeadCount / auxK, 1.0);
        var dead = new long[input.DeadCount];
        for (int j = 0, n = 0; j < input.Dead.Length; j++) if (input.Dead[j]) dead[n++] = j;
        var deadIdx = Tensor.FromArray(dead, dead.Length);
        Tensor residual;
        using (Tensor.NoGrad()) residual = x - xhat;                       // [rows, d_in], held fixed
        var wDead = TensorOps.IndexSelect(p.WEnc, 1, deadIdx);             // [d_in, |D|]
        var bDead = TensorOps.IndexSelect(p.BEnc, 0, deadIdx);             // [|D|]
        var (acts, local) = TensorOps.TopKLinear(xin, wDead, bDead, kAux); // [rows, k_aux]
        var li = local.ToArray<long>();
        for (int i = 0; i < li.Length; i++) li[i] = dead[li[i]];
        var global = Tensor.FromArray(li, local.Shape);
        var rec = TensorOps.SparseRowsMatMul(acts, global, p.WDec);        // [rows, d_in]
        return SumSquaredErrorMean(rec, residual) * (scale * cfg.AuxKCoefficient);
    }
}

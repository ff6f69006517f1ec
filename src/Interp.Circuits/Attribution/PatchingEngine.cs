// The forward/backward passes behind every attribution method, over a prompt set in batches: the clean and corrupted
// baselines, attribution patching (one clean forward+backward: grad · (clean − corrupted)), integrated gradients
// (per hook, the hook's activation moved from clean to corrupted in `steps` midpoint steps) and exact activation
// patching (one clean forward per node with that node set to its corrupted value). Effects are all "noising":
// effect(n) = m(clean) − m(clean with n ← corrupted), in the metric's units; positive = the node carries the behaviour.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

internal sealed class PatchingEngine(HookedTransformer model, PromptSet set, NodeUniverse universe, int batchSize, int padId)
{
    public int Forwards { get; private set; }
    public int Backwards { get; private set; }
    private int N => set.Pairs.Count;
    public int MaxLength => set.MaxLength;

    private IEnumerable<PromptBatch> Batches() => set.Batches(batchSize, padId);
    private bool InUniverse(string name) => universe.Groups.Any(g => g.Hook == name);

    /// <summary>Per-prompt metric values of the clean and of the corrupted prompts.</summary>
    public (double[] Clean, double[] Corrupted) Baseline()
    {
        var clean = new double[N]; var corr = new double[N];
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in Batches())
            using (batch)
            using (TensorScope.Begin())                                             // what the passes leave (a spliced SAE's output) goes per batch
            {
                Fill(clean, batch, Run(batch, batch.Clean));
                Fill(corr, batch, Run(batch, batch.Corrupted));
            }
        return (clean, corr);
    }

    /// <summary>Per-prompt metric of the clean prompts with <paramref name="hooks"/> built per batch (no gradients).</summary>
    public double[] MetricWith(Func<PromptBatch, BatchHooks> hooks)
    {
        var values = new double[N];
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in Batches())
            using (batch)
            using (TensorScope.Begin())
            using (var h = hooks(batch))
                Fill(values, batch, Run(batch, batch.Clean, h.Hooks));
        return values;
    }

    /// <summary>AtP: score[group][pos or 0][node] = Σ over prompts (and positions unless byPosition) of
    /// ∂mean-metric/∂a · (a_clean − a_corrupted), the gradient taken on the clean run.</summary>
    /// <remarks>The same passes give the per-prompt metric of the clean and corrupted prompts (<paramref name="baseline"/>).</remarks>
    public double[][][] AttributionPatching(bool byPosition, (double[] Clean, double[] Corrupted)? baseline = null)
    {
        var scores = NewScores(byPosition);
        foreach (var batch in Batches())
            using (batch)
            using (TensorScope.Begin())                                             // what the passes leave (a spliced SAE's output) goes per batch
            {
                ActivationCache corr;
                using (Tensor.NoGrad())
                {
                    var (lx, c) = model.RunWithCache(batch.Corrupted, InUniverse);
                    Forwards++;
                    corr = c;
                    using (lx)
                    using (var perX = Metric.PerPrompt(set.Metric, lx, batch))
                        if (baseline is { } bx) Fill(bx.Corrupted, batch, perX.ToDoubleArray());
                }
                using var corrOwned = corr;
                var (logits, cache) = model.RunWithCache(batch.Clean, InUniverse, withGrad: true);
                Forwards++;
                using (logits) using (cache)
                {
                    using (var per = Metric.PerPrompt(set.Metric, logits, batch))
                    {
                        if (baseline is { } bc) Fill(bc.Clean, batch, per.ToDoubleArray());
                        using var share = Metric.BatchShare(per, N);
                        share.Backward();
                    }
                    Backwards++;
                    for (int g = 0; g < universe.Groups.Count; g++)
                    {
                        var grp = universe.Groups[g];
                        var grad = cache.Grad(grp.Hook) ?? throw new InvalidOperationException($"no gradient reached '{grp.Hook}'; is the metric connected to it?");
                        using var delta = cache[grp.Hook] - corr[grp.Hook];
                        using var prod = grad * delta;
                        Accumulate(scores[g], grp, prod, byPosition);
                    }
                }
            }
        return scores;
    }

    /// <summary>Integrated gradients along the clean → corrupted path, one hook unit at a time (a unit is one hook, or an
    /// SAE's features and error node together): score = (a_clean − a_corr) · mean over α_k = (k + ½)/steps of ∂m/∂a at
    /// a_clean + α_k (a_corr − a_clean). Per unit the scores sum to m(clean) − m(clean with the unit ← corrupted) up to
    /// the quadrature error.</summary>
    public double[][][] IntegratedGradients(int steps, bool byPosition)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"integrated gradients needs at least 1 step (got {steps}).");
        var scores = NewScores(byPosition);
        var units = universe.Groups.Select((g, i) => (g, i)).GroupBy(x => x.g.Anchor ?? x.g.Hook).Select(u => u.ToArray()).ToArray();
        foreach (var batch in Batches())
            using (batch)
            using (TensorScope.Begin())                                             // what the passes leave (a spliced SAE's output) goes per batch
            {
                using var corr = CorruptedCache(batch);
                ActivationCache clean;
                using (TensorScope.Begin())                                         // the logits (the cache owns its activations)
                using (Tensor.NoGrad())
                {
                    clean = model.RunWithCache(batch.Clean, InUniverse).cache; Forwards++;
                }
                using (clean)
                    foreach (var unit in units)
                    {
                        var hooks = unit.Select(x => x.g.Hook).ToArray();
                        var gradSum = new Dictionary<string, Tensor>();
                        try
                        {
                            for (int k = 0; k < steps; k++)
                            {
                                double alpha = (k + 0.5) / steps;
                                var points = hooks.ToDictionary(h => h, h => Interpolate(clean[h], corr[h], alpha));
                                try
                                {
                                    var fns = hooks.Select(h => (h, (HookFn)((x, _) => points[h]))).ToArray();
                                    var (logits, cache) = model.RunWithCache(batch.Clean, n => hooks.Contains(n), withGrad: true, fns);
                                    Forwards++;
                                    using (logits) using (cache)
                                    {
                                        using (var per = Metric.PerPrompt(set.Metric, logits, batch))
                                        using (var share = Metric.BatchShare(per, N)) share.Backward();
                                        Backwards++;
                                        foreach (var h in hooks)
                                        {
                                            var g = cache.Grad(h) ?? throw new InvalidOperationException($"no gradient reached '{h}'.");
                                            if (gradSum.Remove(h, out var old)) { gradSum[h] = old + g; old.Dispose(); }
                                            else gradSum[h] = g.Contiguous();
                                        }
                                    }
                                }
                                finally { foreach (var p in points.Values) p.Dispose(); }
                            }
                            foreach (var (grp, gi) in unit)
                            {
                                using var delta = clean[grp.Hook] - corr[grp.Hook];
                                using var prod = gradSum[grp.Hook] * delta;
                                using var mean = prod * (1.0 / steps);
                                Accumulate(scores[gi], grp, mean, byPosition);
                            }
                        }
                        finally { foreach (var t in gradSum.Values) t.Dispose(); }
                    }
            }
        return scores;
    }

    /// <summary>Prompt tokens per forward pass of exact patching: several nodes are patched in one pass on copies of the
    /// batch (copy j patches node j), so small batches still make large matrix products.</summary>
    public int TokensPerPass { get; init; } = 8192;

    /// <summary>Exact activation patching: per node, m(clean) − m(clean with the node ← its corrupted value), averaged over prompts.</summary>
    public double[] Exact(IReadOnlyList<CircuitNode> nodes, double[] cleanMetric)
    {
        var effects = new double[nodes.Count];
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in Batches())
            using (batch)
            using (TensorScope.Begin())                                             // what the passes leave (a spliced SAE's output) goes per batch
            {
                using var corr = CorruptedCache(batch, nodes.Select(n => n.Hook).ToHashSet());
                int k = Math.Clamp(TokensPerPass / Math.Max(1, batch.Count * batch.Length), 1, Math.Max(1, nodes.Count));
                for (int s = 0; s < nodes.Count; s += k)
                {
                    var chunk = nodes.Skip(s).Take(k).ToArray();
                    var patched = PatchCopies(batch, corr, chunk);                 // [copies · batch]
                    for (int j = 0; j < chunk.Length; j++)
                        for (int b = 0; b < batch.Count; b++) effects[s + j] += (cleanMetric[batch.Start + b] - patched[j * batch.Count + b]) / N;
                }
            }
        return effects;
    }

    /// <summary>The metric on chunk.Length copies of the batch's clean prompts, copy j with chunk[j] set to its corrupted value.</summary>
    private double[] PatchCopies(PromptBatch batch, ActivationCache corr, CircuitNode[] chunk)
    {
        int r = chunk.Length;
        using var scope = TensorScope.Begin();                                      // masks, repeated sources and what the hooks make
        var hooks = new List<(string, HookFn)>();
        foreach (var hook in chunk.Select(n => n.Hook).Distinct())
        {
            var grp = universe.GroupOf(chunk.First(n => n.Hook == hook));
            var src = corr[hook];                                                  // [batch, pos, ...]
            bool broadcast = chunk.All(n => n.Hook != hook || n.Position is null);     // [batch, 1, ...] masks when no node here has a position
            int[] maskShape = broadcast ? [src.Shape[0], 1, .. src.Shape[2..]] : src.Shape;
            var masks = chunk.Select(n => n.Hook == hook ? grp.Mask(src.Shape, [n], batch, src.DType, broadcast) : Tensor.Zeros(src.DType, maskShape)).ToList();
            var mask = r == 1 ? masks[0] : TensorOps.Cat(masks, 0);               // [copies · batch, pos, ...]
            var source = r == 1 ? src : TensorOps.Cat(Enumerable.Repeat(src, r).ToList(), 0);
            hooks.Add((hook, (x, _) => TensorOps.Where(mask, source, x)));         // (the result is this scope's: callbacks run as their caller)
        }
        if (r == 1) return Run(batch, batch.Clean, hooks.ToArray());
        using var copies = new PromptBatch(Enumerable.Repeat(batch.Pairs, r).SelectMany(p => p).ToArray(), 0, padId);
        return Run(copies, copies.Clean, hooks.ToArray());
    }

    /// <summary>Per-prompt metric of the clean prompts with all <paramref name="nodes"/> set to their corrupted values at once.</summary>
    public double[] PatchedTogether(IReadOnlyList<CircuitNode> nodes)
    {
        var values = new double[N];
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in Batches())
            using (batch)
            using (TensorScope.Begin())                                             // what the passes leave (a spliced SAE's output) goes per batch
            {
                using var corr = CorruptedCache(batch, nodes.Select(n => n.Hook).ToHashSet());
                using var scope = TensorScope.Begin();                              // masks and what the hooks make
                var hooks = nodes.GroupBy(n => n.Hook).Select(g =>
                {
                    var grp = universe.GroupOf(g.First());
                    var source = corr[g.Key];
                    var mask = grp.Mask(source.Shape, g, batch);
                    return (g.Key, (HookFn)((x, _) => TensorOps.Where(mask, source, x)));
                }).ToArray();
                Fill(values, batch, Run(batch, batch.Clean, hooks));
            }
        return values;
    }

    private ActivationCache CorruptedCache(PromptBatch batch, ISet<string>? hooks = null)
    {
        using var noGrad = Tensor.NoGrad();
        using var scope = TensorScope.Begin();                                      // the logits (the cache owns its activations)
        var (_, cache) = model.RunWithCache(batch.Corrupted, hooks is null ? InUniverse : hooks.Contains);
        Forwards++;
        return cache;
    }

    private double[] Run(PromptBatch batch, Tensor tokens, params (string name, HookFn fn)[] hooks)
    {
        using var logits = model.RunWithHooks(tokens, hooks);
        Forwards++;
        using var per = Metric.PerPrompt(set.Metric, logits, batch);
        return per.ToDoubleArray();
    }

    private static Tensor Interpolate(Tensor clean, Tensor corr, double alpha)
    {
        using var d = corr - clean;
        using var s = d * alpha;
        return clean + s;
    }

    private static void Fill(double[] into, PromptBatch batch, double[] values)
    {
        for (int b = 0; b < batch.Count; b++) into[batch.Start + b] = values[b];
    }

    private double[][][] NewScores(bool byPosition) =>
        universe.Groups.Select(g => Enumerable.Range(0, byPosition ? set.MaxLength : 1).Select(_ => new double[g.Count]).ToArray()).ToArray();

    /// <summary>Adds Σ over batch (and positions unless byPosition) of the group's per-node values of <paramref name="elementwise"/>.</summary>
    private static void Accumulate(double[][] into, NodeGroup grp, Tensor elementwise, bool byPosition)
    {
        using var per = grp.PerNode(elementwise);                                    // [batch, pos, n]
        using var red = TensorOps.Sum(per, byPosition ? new[] { 0 } : new[] { 0, 1 }); // [pos, n] or [n]
        var v = red.ToDoubleArray();
        int n = grp.Count, rows = byPosition ? per.Shape[1] : 1;
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n; i++) into[r][i] += v[r * n + i];
    }
}

/// <summary>Hooks built for one batch and the tensors they hold (masks, means), freed after the batch's run.</summary>
internal sealed class BatchHooks(IReadOnlyList<(string name, HookFn fn)> hooks, IReadOnlyList<Tensor> owned) : IDisposable
{
    public (string name, HookFn fn)[] Hooks { get; } = hooks.ToArray();
    public void Dispose() { foreach (var t in owned) t.Dispose(); }
}

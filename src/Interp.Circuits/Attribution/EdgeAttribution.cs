// Edge attribution between nodes, as Sparse Feature Circuits: for an upstream node u and a downstream node d,
//   e(u → d) = Σ_prompts,pos ∇_u (g_d · d) · (u_clean − u_corrupted),   g_d = ∂m/∂d on the clean run (held fixed),
// i.e. the first-order change of d's contribution to the metric when u is patched to its corrupted value, through
// every path from u to d. One clean forward + backward per downstream node and batch, so callers bound the node lists.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

internal sealed class EdgeAttribution(HookedTransformer model, PromptSet set, NodeUniverse universe, int batchSize, int padId)
{
    public int Forwards { get; private set; }

    /// <summary>e[u, d] for every upstream × downstream node (0 where u is not before d in the forward pass).</summary>
    public double[,] Run(IReadOnlyList<CircuitNode> up, IReadOnlyList<CircuitNode> down)
    {
        var e = new double[up.Count, down.Count];
        var order = model.HookNames.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);
        int Ord(CircuitNode n) => order.TryGetValue(n.Hook, out var i) ? i : throw new ArgumentException($"node {n.Id}: '{n.Hook}' is not a hook of the model now (is its SAE spliced?).");
        var upHooks = up.Select(n => n.Hook).ToHashSet();
        var downHooks = down.Select(n => n.Hook).ToHashSet();
        int total = set.Pairs.Count;
        foreach (var batch in set.Batches(batchSize, padId))
            using (batch)
            using (TensorScope.Begin())                                             // what the passes leave (a spliced SAE's output) goes per batch
            {
                ActivationCache corr;
                using (TensorScope.Begin())                                         // the logits (the cache owns its activations)
                using (Tensor.NoGrad())
                {
                    corr = model.RunWithCache(batch.Corrupted, upHooks.Contains).cache; Forwards++;
                }
                using (corr)
                {
                    // the clean run: activations of upstream nodes, metric gradients at downstream nodes
                    var (logits, clean) = model.RunWithCache(batch.Clean, n => upHooks.Contains(n) || downHooks.Contains(n), withGrad: true);
                    Forwards++;
                    var gDown = new Dictionary<string, Tensor>();
                    var deltas = new Dictionary<string, Tensor>();
                    try
                    {
                        using (logits)
                        using (var per = Metric.PerPrompt(set.Metric, logits, batch))
                        using (var share = Metric.BatchShare(per, total)) share.Backward();
                        foreach (var h in downHooks) gDown[h] = (clean.Grad(h) ?? throw new InvalidOperationException($"no gradient reached '{h}'.")).Detach();
                        foreach (var h in upHooks) deltas[h] = clean[h] - corr[h];
                        for (int j = 0; j < down.Count; j++)
                        {
                            var d = down[j];
                            var before = Enumerable.Range(0, up.Count).Where(i => Ord(up[i]) < Ord(d)).ToArray();
                            if (before.Length == 0) continue;
                            var grads = DownstreamGradients(batch, d, gDown[d.Hook], before.Select(i => up[i].Hook).ToHashSet());
                            try
                            {
                                foreach (var i in before)
                                {
                                    var u = up[i];
                                    if (!grads.ContainsKey(u.Hook)) continue;       // no path from u to d
                                    var grp = universe.GroupOf(u);
                                    var delta = deltas[u.Hook];
                                    using var mask = grp.Mask(delta.Shape, [u], batch, delta.DType, broadcast: u.Position is null);
                                    using var prod = grads[u.Hook] * delta;
                                    using var sel = prod * mask;
                                    using var s = TensorOps.Sum(sel);
                                    e[i, j] += s.ItemDouble();
                                }
                            }
                            finally { foreach (var g in grads.Values) g.Dispose(); }
                        }
                    }
                    finally
                    {
                        clean.Dispose();
                        foreach (var t in gDown.Values.Concat(deltas.Values)) t.Dispose();
                    }
                }
            }
        return e;
    }

    /// <summary>∇ of (g_d · d) — d's slice of its hook, weighted by the fixed metric gradient — at <paramref name="upHooks"/>.</summary>
    private Dictionary<string, Tensor> DownstreamGradients(PromptBatch batch, CircuitNode d, Tensor gD, HashSet<string> upHooks)
    {
        var grp = universe.GroupOf(d);
        using var mask = grp.Mask(gD.Shape, [d], batch, gD.DType, broadcast: d.Position is null);
        using var weight = gD * mask;                                   // ∂m/∂d on d's slice, 0 elsewhere
        Tensor? s = null;
        HookFn capture = (x, _) =>
        {
            using var prod = x * weight;
            s = TensorOps.Sum(prod);
            return null;
        };
        var (logits, cache) = model.RunWithCache(batch.Clean, upHooks.Contains, withGrad: true, (d.Hook, capture));
        Forwards++;
        logits.Dispose();
        using (cache)
        {
            if (s is null) throw new InvalidOperationException($"the forward pass never reached '{d.Hook}'.");
            using (s) s.Backward();
            var grads = new Dictionary<string, Tensor>();
            foreach (var h in upHooks) if (cache.Grad(h) is { } g) grads[h] = g.Detach();
            return grads;
        }
    }
}

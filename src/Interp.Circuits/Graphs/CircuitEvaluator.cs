// Tests a circuit by ablation runs (mean, or the corrupted prompt's value: IAblationSource) over a prompt set: the full model, every universe node ablated, only the
// circuit kept, and only the circuit removed; then faithfulness and completeness (CircuitTest). Nodes outside the
// universe (e.g. MLPs when the universe is heads) always run normally.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

internal sealed class CircuitEvaluator(PatchingEngine engine, NodeUniverse universe, IAblationSource means, PromptSet set)
{
    public int Runs { get; private set; }

    /// <summary>Per-prompt metric with the universe's nodes outside <paramref name="kept"/> mean-ablated (keepOnly), or
    /// with the nodes in <paramref name="kept"/> mean-ablated (!keepOnly).</summary>
    public double[] Metric(IReadOnlyCollection<CircuitNode> kept, bool keepOnly)
    {
        Runs++;
        return engine.MetricWith(batch => Hooks(batch, kept, keepOnly));
    }

    private BatchHooks Hooks(PromptBatch batch, IReadOnlyCollection<CircuitNode> nodes, bool keepOnly)
    {
        var hooks = new List<(string, HookFn)>();
        var owned = new List<Tensor>();
        foreach (var g in universe.Groups)
        {
            var mine = nodes.Where(n => n.Hook == g.Hook).ToArray();
            if (!keepOnly && mine.Length == 0) continue;                 // nothing of this hook is removed
            var mean = means.For(g.Hook, batch);                          // [pos, ...] or [batch, pos, ...]
            owned.Add(mean);
            if (keepOnly && mine.Length == 0)
            {
                hooks.Add((g.Hook, (x, _) => Keep(owned, TensorOps.Expand(mean, x.Shape))));
                continue;
            }
            Tensor? mask = null;
            hooks.Add((g.Hook, (x, _) =>
            {
                if (mask is null) { mask = g.Mask(x.Shape, mine, batch, x.DType, broadcast: mine.All(n => n.Position is null)); owned.Add(mask); }
                return Keep(owned, keepOnly ? TensorOps.Where(mask, x, mean) : TensorOps.Where(mask, mean, x));
            }));
        }
        return new BatchHooks(hooks, owned);
    }

    /// <summary>Runs the four conditions and scores the circuit. <paramref name="full"/> and <paramref name="empty"/>
    /// (per prompt) may be passed in when already known.</summary>
    public CircuitTest Test(Circuit circuit, double[] full, double[]? empty = null)
    {
        foreach (var n in circuit.Nodes) universe.GroupOf(n);           // every node must belong to the universe
        empty ??= Metric(Array.Empty<CircuitNode>(), keepOnly: true);
        var only = Metric(circuit.Nodes.ToArray(), keepOnly: true);
        var removed = Metric(circuit.Nodes.ToArray(), keepOnly: false);
        double mf = full.Average(), me = empty.Average(), mc = only.Average(), mr = removed.Average();
        var f = CircuitTest.FaithfulnessOf(mf, me, mc);
        var k = CircuitTest.CompletenessOf(mf, me, mr);
        AblationAccuracy? acc = set.Metric.Kind == MetricKind.LogitDiff
            ? new AblationAccuracy(Positive(full), Positive(empty), Positive(only), Positive(removed)) : null;
        string ablation = means.Describe;
        return new CircuitTest(circuit, circuit.Size, universe.Count, set.Metric.Name, set.Metric.Unit, full.Length, mf, me, mc, mr, f, k,
            f is null ? null : CircuitTest.Bootstrap(full, empty, only, CircuitTest.FaithfulnessOf),
            k is null ? null : CircuitTest.Bootstrap(full, empty, removed, CircuitTest.CompletenessOf),
            acc, ablation, f is null ? $"|m(M) - m(empty)| = {Math.Abs(mf - me):G3} < {CircuitTest.MinGap}: ablating every node does not change the metric, so there is no behaviour to explain" : null);
    }

    /// <summary>A hook's returned tensor stays ours (the model continues with its own view): free it with the batch.</summary>
    private static Tensor Keep(List<Tensor> owned, Tensor t) { owned.Add(t); return t; }

    private static double Positive(double[] v) => v.Count(x => x > 0) / (double)v.Length;
}

// The circuit primitives, written once, for thin faces (CLI verb, agent tools, UI): Attribute (AtP / IG / exact over
// heads, neurons or SAE features), PatchNodes (exact patching of chosen nodes), TestCircuit (faithfulness and
// completeness by mean-ablation runs), ProposeCircuit (algorithmic proposer) and ProposeHypothesis (a tested,
// stored-ready hypothesis record). Each returns a compact serialisable record. SAEs are spliced (with their error
// term) only while a feature question runs, so one model serves one question at a time (not thread-safe).
using System.Diagnostics;
using Interp.Dictionaries;
using Interp.Models;

namespace Interp.Circuits;

public sealed partial class CircuitLab
{
    public HookedTransformer Model { get; }
    public IReadOnlyList<Sae> Saes { get; }
    public CircuitOptions Options { get; }

    public CircuitLab(HookedTransformer model, IEnumerable<Sae>? saes = null, CircuitOptions? options = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Saes = saes?.ToArray() ?? Array.Empty<Sae>();
        Options = options ?? new CircuitOptions();
        Options.Validate();
        if (Options.PadId >= model.Config.DVocab) throw new ArgumentException($"pad id {Options.PadId} is outside the vocabulary (0..{model.Config.DVocab - 1}).");
        foreach (var s in Saes) using (SaeSplice.Attach(model, s)) { }     // fail now, with the splice's message, if an SAE does not fit
    }

    public NodeUniverse Universe(NodeSet nodes) => nodes switch
    {
        NodeSet.Heads => NodeUniverse.Heads(Model.Config),
        NodeSet.Neurons => NodeUniverse.Neurons(Model.Config),
        NodeSet.HeadsAndNeurons => NodeUniverse.HeadsAndNeurons(Model.Config),
        _ => Saes.Count == 0 ? throw new ArgumentException("feature nodes need an SAE; pass --sae DIR (one per hook).") : NodeUniverse.Features(Model.Config, Saes),
    };

    /// <summary>The metric on the clean and corrupted prompts, unpatched.</summary>
    public MetricBaseline Baseline(PromptSet set)
    {
        Check(set);
        var (clean, corr) = Engine(set, Universe(NodeSet.Heads)).Baseline();
        return new MetricBaseline(set.Metric.Name, set.Metric.Unit, set.Pairs.Count, clean.Average(), corr.Average());
    }

    /// <summary>Scores every node of <paramref name="nodes"/> with <paramref name="method"/>; with <paramref name="checkTop"/>
    /// &gt; 0 the top nodes are also patched exactly (-1: every node) and the rank correlation reported.</summary>
    public AttributionResult Attribute(PromptSet set, NodeSet nodes = NodeSet.Heads, AttributionMethod method = AttributionMethod.AtP,
        int igSteps = 10, int checkTop = 0, int? top = null, bool byPosition = false)
    {
        Check(set);
        if (top is < 1) throw new ArgumentException($"top must be at least 1 (got {top}).");
        if (igSteps is < 1 or > 1000) throw new ArgumentException($"integrated-gradients steps must be in 1..1000 (got {igSteps}).");
        if (checkTop < -1) throw new ArgumentException($"checkTop must be -1 (every node), 0 (none) or a count (got {checkTop}).");
        var universe = Universe(nodes);
        using var splices = Splice(nodes);
        var engine = Engine(set, universe);
        var sw = Stopwatch.StartNew();
        double[] clean = new double[set.Pairs.Count], corr = new double[set.Pairs.Count];
        List<(CircuitNode Node, double Score)> scored;
        if (method == AttributionMethod.AtP) scored = Score(engine, universe, method, igSteps, byPosition, null, (clean, corr));   // one pass gives both
        else
        {
            (clean, corr) = engine.Baseline();
            scored = Score(engine, universe, method, igSteps, byPosition, clean);
        }
        double seconds = sw.Elapsed.TotalSeconds;
        var ranked = scored.OrderByDescending(s => Math.Abs(s.Score)).ToList();
        int nCheck = method == AttributionMethod.Exact ? ranked.Count : checkTop < 0 ? ranked.Count : Math.Min(checkTop, ranked.Count);
        sw.Restart();
        var exact = method == AttributionMethod.Exact ? ranked.Select(r => r.Score).ToArray()
            : nCheck > 0 ? engine.Exact(ranked.Take(nCheck).Select(r => r.Node).ToArray(), clean) : Array.Empty<double>();
        double exactSeconds = method == AttributionMethod.Exact ? 0 : sw.Elapsed.TotalSeconds;
        double? rho = method != AttributionMethod.Exact && nCheck >= 3 ? Ranks.Spearman(ranked.Take(nCheck).Select(r => r.Score).ToArray(), exact) : null;
        var scores = ranked.Select((r, i) => NodeScore.Of(r.Node, r.Score, i < exact.Length ? exact[i] : null)).Take(top ?? int.MaxValue).ToList();
        return new AttributionResult(set.Name, universe.Kind, method.Name(), method == AttributionMethod.IntegratedGradients ? igSteps : null,
            new MetricBaseline(set.Metric.Name, set.Metric.Unit, set.Pairs.Count, clean.Average(), corr.Average()),
            scores, ranked.Count, nCheck, rho, seconds, exactSeconds, engine.Forwards, engine.Backwards, Example(set), AttributionResult.EffectDefinition);
    }

    /// <summary>Exact patching of the given nodes (ids as CircuitNode.Id), each alone and all together.</summary>
    public PatchResult PatchNodes(PromptSet set, NodeSet nodes, IReadOnlyList<string> nodeIds)
    {
        Check(set);
        var universe = Universe(nodes);
        var parsed = ParseAll(universe, nodeIds);
        using var splices = Splice(nodes);
        var engine = Engine(set, universe);
        var (clean, corr) = engine.Baseline();
        double mc = clean.Average(), gap = mc - corr.Average();
        var effects = engine.Exact(parsed, clean);
        var together = engine.PatchedTogether(parsed).Average();
        NodePatch P(string id, double effect) => new(id, mc - effect, effect, Math.Abs(gap) < CircuitTest.MinGap ? null : effect / gap);
        return new PatchResult(set.Name, new MetricBaseline(set.Metric.Name, set.Metric.Unit, set.Pairs.Count, mc, corr.Average()),
            parsed.Select((n, i) => P(n.Id, effects[i])).ToList(), P(string.Join("+", parsed.Select(n => n.Id)), mc - together), AttributionResult.EffectDefinition);
    }

    /// <summary>Faithfulness and completeness of the circuit made of <paramref name="nodeIds"/> (see CircuitTest).</summary>
    public CircuitTest TestCircuit(PromptSet set, NodeSet nodes, IReadOnlyList<string> nodeIds)
    {
        var universe = Universe(nodes);
        return TestCircuit(set, nodes, Circuit.Of(universe.Kind, ParseAll(universe, nodeIds)));
    }

    public CircuitTest TestCircuit(PromptSet set, NodeSet nodes, Circuit circuit)
    {
        Check(set);
        var universe = Universe(nodes);
        using var splices = Splice(nodes);
        var engine = Engine(set, universe);
        using var means = Means(set, universe);
        var (clean, _) = engine.Baseline();
        return new CircuitEvaluator(engine, universe, means, set).Test(circuit, clean);
    }

    private static IReadOnlyList<CircuitNode> ParseAll(NodeUniverse u, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) throw new ArgumentException("no nodes given; pass node ids such as L1.H3 (heads), L0.N12 (neurons) or HOOK/F17 (features).");
        return ids.Select(u.Parse).Distinct().ToArray();
    }

    internal PatchingEngine Engine(PromptSet set, NodeUniverse universe) => new(Model, set, universe, Options.BatchSize, Options.PadId);

    internal IAblationSource Means(PromptSet set, NodeUniverse universe) => Options.Ablation == AblationKind.Corrupted
        ? new CorruptedAblation(Model, universe.Hooks)
        : ActivationMeans.Compute(Model, set, universe.Hooks, Options.MeanMode ?? ActivationMeans.DefaultMode(set), Options.MeanSource, Options.BatchSize, Options.PadId);

    /// <summary>Splices every SAE (with its error term) for a feature question; nothing otherwise.</summary>
    internal IDisposable Splice(NodeSet nodes)
    {
        var handles = nodes == NodeSet.Features ? Saes.Select(s => (IDisposable)SaeSplice.Attach(Model, s, includeError: true)).ToList() : new List<IDisposable>();
        return new Handles(handles);
    }

    private sealed class Handles(List<IDisposable> items) : IDisposable
    {
        public void Dispose() { for (int i = items.Count - 1; i >= 0; i--) items[i].Dispose(); items.Clear(); }
    }

    private void Check(PromptSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Validate(Model.Config.DVocab, Model.Config.NCtx);
    }

    internal static PairExample Example(PromptSet set)
    {
        var p = set.Pairs[0];
        return new PairExample(string.Join(" ", p.CleanTokens), string.Join(" ", p.CorruptedTokens), p.AnswerText, p.WrongText);
    }

    /// <summary>(node, score) for every node of the universe (and position, with byPosition).</summary>
    internal static List<(CircuitNode Node, double Score)> Score(PatchingEngine engine, NodeUniverse universe, AttributionMethod method, int igSteps, bool byPosition,
        double[]? clean, (double[], double[])? baseline = null)
    {
        var list = new List<(CircuitNode, double)>();
        if (method == AttributionMethod.Exact)
        {
            var nodes = byPosition ? PositionNodes(universe, engine.MaxLength) : universe.Nodes.ToArray();
            var e = engine.Exact(nodes, clean ?? throw new ArgumentNullException(nameof(clean)));
            for (int i = 0; i < nodes.Length; i++) list.Add((nodes[i], e[i]));
            return list;
        }
        var s = method == AttributionMethod.AtP ? engine.AttributionPatching(byPosition, baseline) : engine.IntegratedGradients(igSteps, byPosition);
        for (int g = 0; g < universe.Groups.Count; g++)
            for (int p = 0; p < s[g].Length; p++)
                for (int i = 0; i < s[g][p].Length; i++)
                    list.Add((universe.Groups[g].Node(i) with { Position = byPosition ? p : null }, s[g][p][i]));
        return list;
    }

    private static CircuitNode[] PositionNodes(NodeUniverse u, int length) =>
        u.Nodes.SelectMany(n => Enumerable.Range(0, length).Select(p => n with { Position = p })).ToArray();
}

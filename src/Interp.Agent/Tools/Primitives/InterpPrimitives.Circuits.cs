// The circuit primitives over CircuitLab: attribute a behaviour to heads, neurons or SAE features; patch chosen nodes;
// test a circuit's faithfulness and completeness; state a hypothesis and get it tested (not stored: storing is a write).
// The behaviour is a toy-world task (ioi, induction: the toy model only) or one clean/corrupted pair given as text.
using System.Text.Json;
using Interp.Circuits;

namespace Interp.Agent.Tools;

public sealed partial class InterpPrimitives
{
    private CircuitLab? _lab;
    private CircuitLab Lab => _lab ??= new CircuitLab(Model, Session.Saes.Select(s => s.Sae));

    /// <summary>The prompt set of a task name or of one clean/corrupted pair.</summary>
    internal PromptSet Prompts(string? task, int pairs, string? clean, string? corrupted, string? answer, string? wrong)
    {
        if (!string.IsNullOrWhiteSpace(clean) || !string.IsNullOrWhiteSpace(corrupted))
        {
            ToolArgs.Text(clean, Limits, "clean");
            ToolArgs.Text(corrupted, Limits, "corrupted");
            if (string.IsNullOrWhiteSpace(answer) || string.IsNullOrWhiteSpace(wrong))
                throw new ToolArgumentException(string.IsNullOrWhiteSpace(answer) ? "answer" : "wrong", "is needed with clean/corrupted prompts (metric: logit difference answer − wrong)",
                    "give single tokens, e.g. answer \" Mary\", wrong \" John\"");
            var json = JsonSerializer.Serialize(new { name = "custom", metric = "logit_diff", pairs = new[] { new { clean, corrupted, answer, wrong } } });
            try { return PromptFile.Parse(json, Session.Tokenizer, "the prompt pair"); }
            catch (InvalidDataException e) { throw new ToolArgumentException("clean", e.Message.Replace("the prompt pair: pairs[0]: ", ""), "call tokenize to check lengths and single-token answers"); }
        }
        ToolArgs.Range(pairs, 1, Limits.MaxPairs, "pairs", "16");
        try
        {
            return (task ?? "").Trim().ToLowerInvariant() switch
            {
                "ioi" => ToyTasks.Ioi(Session.Tokenizer, pairs),
                "induction" => ToyTasks.Induction(Session.Tokenizer, pairs),
                _ => throw new ToolArgumentException("task", $"'{task}' is not a task", "use ioi or induction (toy-world tasks), or give clean, corrupted, answer and wrong"),
            };
        }
        catch (ArgumentException e)
        {
            throw new ToolArgumentException("task", e.Message.TrimEnd('.'), "give clean, corrupted, answer and wrong for this model instead");
        }
    }

    private static NodeSet NodeKind(string? nodes)
    {
        try { return AttributionNames.ParseNodes(string.IsNullOrWhiteSpace(nodes) ? "heads" : nodes); }
        catch (ArgumentException e) { throw new ToolArgumentException("nodes", e.Message.TrimEnd('.'), "use heads, neurons, features or heads+neurons"); }
    }

    private IReadOnlyList<string> NodeIds(string? ids)
    {
        var list = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0) throw new ToolArgumentException("node_ids", "is empty", "give node ids such as \"L1.H3,L0.H2\" (heads) or \"L0.N12\" (neurons)");
        if (list.Length > Limits.MaxUnits) throw new ToolArgumentException("node_ids", $"lists {list.Length} nodes, more than {Limits.MaxUnits}");
        return list;
    }

    private T Circuit<T>(Func<T> body)
    {
        try { return Session.Exclusive(body); }
        catch (ArgumentException e)
        {
            throw new ToolArgumentException("node_ids", e.Message.TrimEnd('.'), "call attribute to see valid node ids");
        }
    }

    public AttributionResult Attribute(string? task, string? nodes = "heads", string? method = "atp", int k = 10, int pairs = 16,
        string? clean = null, string? corrupted = null, string? answer = null, string? wrong = null)
    {
        var set = Prompts(task, pairs, clean, corrupted, answer, wrong);
        var kind = NodeKind(nodes);
        ToolArgs.K(k, Limits);
        AttributionMethod m;
        try { m = AttributionNames.ParseMethod(string.IsNullOrWhiteSpace(method) ? "atp" : method); }
        catch (ArgumentException e) { throw new ToolArgumentException("method", e.Message.TrimEnd('.')); }
        return Circuit(() => Lab.Attribute(set, kind, m, top: k));
    }

    public Interp.Circuits.PatchResult PatchNodes(string? task, string? nodes, string? nodeIds, int pairs = 16,
        string? clean = null, string? corrupted = null, string? answer = null, string? wrong = null)
    {
        var set = Prompts(task, pairs, clean, corrupted, answer, wrong);
        var kind = NodeKind(nodes);
        var ids = NodeIds(nodeIds);
        return Circuit(() => Lab.PatchNodes(set, kind, ids));
    }

    public CircuitTest TestCircuit(string? task, string? nodes, string? nodeIds, int pairs = 16,
        string? clean = null, string? corrupted = null, string? answer = null, string? wrong = null)
    {
        var set = Prompts(task, pairs, clean, corrupted, answer, wrong);
        var kind = NodeKind(nodes);
        var ids = NodeIds(nodeIds);
        return Circuit(() => Lab.TestCircuit(set, kind, ids));
    }

    public Hypothesis ProposeHypothesis(string? claim, string? task, string? nodes, string? nodeIds, int pairs = 16,
        string? clean = null, string? corrupted = null, string? answer = null, string? wrong = null)
    {
        ToolArgs.Text(claim, Limits, "claim");
        var set = Prompts(task, pairs, clean, corrupted, answer, wrong);
        var kind = NodeKind(nodes);
        var ids = NodeIds(nodeIds);
        return Circuit(() => Lab.ProposeHypothesis(claim!, set, kind, ids, context: new HypothesisContext(Model: Session.ModelName, Proposer: "agent", Tool: "propose_hypothesis")));
    }
}

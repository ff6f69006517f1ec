// Kernel functions over CircuitLab: attribution, patching of chosen nodes, circuit tests and tested hypotheses, on a
// toy-world task or one clean/corrupted prompt pair.
using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace Interp.Agent.Tools;

public sealed class CircuitPlugin(InterpPrimitives p)
{
    private const string Behaviour = "The behaviour is a toy-world task ('ioi' or 'induction', toy model only) over 'pairs' generated prompt pairs, or one pair given as clean/corrupted/answer/wrong; the metric is the logit difference answer − wrong (logits).";

    [KernelFunction("attribute"), Description("Scores every node (heads, neurons or SAE features) by its effect on the metric when patched from corrupted to clean: atp (attribution patching, fast), ig (integrated gradients) or exact (one run per node). Returns the top k node ids (e.g. L1.H3) with scores in metric units. " + Behaviour)]
    public string Attribute(
        [Description("Task: 'ioi' or 'induction'; leave empty when giving clean/corrupted")] string? task = null,
        [Description("Node kind: heads, neurons, features or heads+neurons")] string nodes = "heads",
        [Description("atp, ig or exact")] string method = "atp",
        [Description("Nodes to return, 1..50")] int k = 10,
        [Description("Prompt pairs for a task, 1..64")] int pairs = 16,
        [Description("Clean prompt (instead of a task)")] string? clean = null,
        [Description("Corrupted prompt, same token count")] string? corrupted = null,
        [Description("Answer token of the clean prompt, e.g. ' Mary'")] string? answer = null,
        [Description("Wrong token, e.g. ' John'")] string? wrong = null) => ToolJson.Serialize(p.Attribute(task, nodes, method, k, pairs, clean, corrupted, answer, wrong));

    [KernelFunction("patch_nodes"), Description("Patches the given nodes exactly (each alone and all together) from the corrupted into the clean run and reports the metric change and the fraction of the clean–corrupted gap each explains. " + Behaviour)]
    public string PatchNodes(
        [Description("Comma-separated node ids, e.g. 'L1.H3,L0.H2' or 'L0.N12'")] string node_ids,
        [Description("Task: 'ioi' or 'induction'; empty with clean/corrupted")] string? task = null,
        [Description("Node kind of the ids: heads, neurons, features or heads+neurons")] string nodes = "heads",
        [Description("Prompt pairs for a task, 1..64")] int pairs = 16,
        [Description("Clean prompt")] string? clean = null,
        [Description("Corrupted prompt")] string? corrupted = null,
        [Description("Answer token")] string? answer = null,
        [Description("Wrong token")] string? wrong = null) => ToolJson.Serialize(p.PatchNodes(task, nodes, node_ids, pairs, clean, corrupted, answer, wrong));

    [KernelFunction("test_circuit"), Description("Tests whether the given nodes form a circuit for the behaviour: faithfulness (keeping only them, the rest mean-ablated, preserves the metric; 1 = fully) and completeness (removing them destroys it; 1 = fully). " + Behaviour)]
    public string TestCircuit(
        [Description("Comma-separated node ids of the circuit, e.g. 'L1.H3,L0.H2'")] string node_ids,
        [Description("Task: 'ioi' or 'induction'; empty with clean/corrupted")] string? task = null,
        [Description("Node kind: heads, neurons, features or heads+neurons")] string nodes = "heads",
        [Description("Prompt pairs for a task, 1..64")] int pairs = 16,
        [Description("Clean prompt")] string? clean = null,
        [Description("Corrupted prompt")] string? corrupted = null,
        [Description("Answer token")] string? answer = null,
        [Description("Wrong token")] string? wrong = null) => ToolJson.Serialize(p.TestCircuit(task, nodes, node_ids, pairs, clean, corrupted, answer, wrong));

    [KernelFunction("propose_hypothesis"), Description("States a claim that some nodes carry a behaviour and tests it (attribution as evidence, faithfulness and completeness): returns the hypothesis record with a verdict (supported / partial / refuted). Not stored. " + Behaviour)]
    public string ProposeHypothesis(
        [Description("The claim in words, e.g. 'L1.H3 moves the indirect object's name to the final position'")] string claim,
        [Description("Comma-separated node ids, e.g. 'L1.H3'")] string node_ids,
        [Description("Task: 'ioi' or 'induction'; empty with clean/corrupted")] string? task = null,
        [Description("Node kind: heads, neurons, features or heads+neurons")] string nodes = "heads",
        [Description("Prompt pairs for a task, 1..64")] int pairs = 16,
        [Description("Clean prompt")] string? clean = null,
        [Description("Corrupted prompt")] string? corrupted = null,
        [Description("Answer token")] string? answer = null,
        [Description("Wrong token")] string? wrong = null) => ToolJson.Serialize(p.ProposeHypothesis(claim, task, nodes, node_ids, pairs, clean, corrupted, answer, wrong));
}

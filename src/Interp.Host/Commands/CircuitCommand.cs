// `interp circuit`: attribution (AtP / IG / exact) over heads, neurons or SAE features for a task's prompt pairs, the
// circuit the greedy proposer finds with its faithfulness and completeness, a picture of it (SVG or dot), optionally a
// stored hypothesis record; `--ground-truth` runs the toy-world checks (docs/circuits.md). A thin face over CircuitLab.
using System.CommandLine;
using System.Globalization;
using Interp.Circuits;
using Interp.Dictionaries;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Commands;

public static class CircuitCommand
{
    public const string DefaultModel = "evals/models/toy-small";

    public sealed record Args(string Model, string? Tokenizer, string? Task, string[] Saes, string Nodes, string Method, int Steps, int Prompts,
        ulong Seed, double Target, string Ablation, int Top, int Check, int Batch, string? Graph, int EdgesTop, string? Claim, string? Store,
        bool Json, bool GroundTruth, string? Circuit = null, int MaxNodes = 64);

    /// <summary>What `--json` prints (with --circuit, the proposal holds the given circuit's test and an empty trace).</summary>
    public sealed record Report(Proposal Proposal, Circuit Graph, string? Picture, Hypothesis? Hypothesis);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint folder (config.json, model.safetensors, tokenizer.json).", DefaultValueFactory = _ => DefaultModel };
        var tok = new Option<string?>("--tokenizer") { Description = "Tokenizer folder or tokenizer.json (default: the model folder)." };
        var task = new Option<string?>("--task") { Description = "ioi, induction (toy-world prompt pairs) or a prompt-pair JSON file (format: docs/circuits.md)." };
        var sae = new Option<string[]>("--sae") { Description = "SAE folder to splice (with its error node) for --nodes features; repeat for SAEs at several hooks.", AllowMultipleArgumentsPerToken = false };
        var nodes = new Option<string>("--nodes") { Description = "Node set: heads, neurons or features.", DefaultValueFactory = _ => "heads" };
        var method = new Option<string>("--method") { Description = "Attribution: atp (gradient × activation difference), ig (integrated gradients) or exact (activation patching).", DefaultValueFactory = _ => "atp" };
        var steps = new Option<int>("--steps") { Description = "Integrated-gradients steps along the clean → corrupted path.", DefaultValueFactory = _ => 10 };
        var prompts = new Option<int>("--prompts") { Description = "Prompt pairs for ioi / induction.", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Toy-world prompt seed (1 = evals/worlds/toy-v1's eval prompts).", DefaultValueFactory = _ => ToyTasks.WorldSeed };
        var target = new Option<double>("--target") { Description = "Faithfulness the proposer prunes to.", DefaultValueFactory = _ => 0.8 };
        var ablation = new Option<string>("--ablation") { Description = "What removed nodes become: mean (mean activation over the corrupted prompts) or corrupted (the paired corrupted prompt's activation).", DefaultValueFactory = _ => "mean" };
        var top = new Option<int>("--top") { Description = "Nodes shown in the table.", DefaultValueFactory = _ => 20 };
        var check = new Option<int>("--check") { Description = "Top nodes also patched exactly to check the attribution (-1: all).", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { Description = "Prompt pairs per forward pass.", DefaultValueFactory = _ => 64 };
        var graph = new Option<string?>("--graph") { Description = "Picture of the circuit: FILE.svg or FILE.dot (default circuit-<task>-<nodes>.svg; 'none' to skip)." };
        var edges = new Option<int>("--edges-top") { Description = "Feature circuits with SAEs at 2+ hooks: top nodes per SAE joined by edges.", DefaultValueFactory = _ => 8 };
        var claim = new Option<string?>("--claim") { Description = "State the hypothesis in words (default: generated from the circuit)." };
        var store = new Option<string?>("--store") { Description = "SQLite file to save the hypothesis record in (created if missing)." };
        var json = new Option<bool>("--json") { Description = "Print JSON (proposal with attribution and ablation results, graph, hypothesis)." };
        var gt = new Option<bool>("--ground-truth") { Description = "Run the toy-world ground truth (IOI and induction over all heads) instead of one task." };
        var maxNodes = new Option<int>("--max-nodes") { Description = "Largest circuit the proposer tries.", DefaultValueFactory = _ => 64 };
        var circuit = new Option<string?>("--circuit") { Description = "Test this circuit instead of proposing one: comma-separated node ids (L1.H3, L0.N12, HOOK/F17, HOOK/ERR; @POS for one position)." };
        var cmd = new Command("circuit", "Attribute a behaviour to heads, neurons or SAE features, find and test a circuit, draw it.")
            { model, tok, task, sae, nodes, method, steps, prompts, seed, target, ablation, top, check, batch, graph, edges, claim, store, json, gt, circuit, maxNodes };
        cmd.SetAction(r => CliErrors.Guard(() => Execute(new Args(r.GetValue(model)!, r.GetValue(tok), r.GetValue(task), r.GetValue(sae) ?? [],
            r.GetValue(nodes)!, r.GetValue(method)!, r.GetValue(steps), r.GetValue(prompts), r.GetValue(seed), r.GetValue(target), r.GetValue(ablation)!,
            r.GetValue(top), r.GetValue(check), r.GetValue(batch), r.GetValue(graph), r.GetValue(edges), r.GetValue(claim), r.GetValue(store),
            r.GetValue(json), r.GetValue(gt), r.GetValue(circuit), r.GetValue(maxNodes)), Environment.GetCommandLineArgs())));
        return cmd;
    }

    public static int Execute(Args a, string[]? commandLine = null)
    {
        if (a.Prompts is < 1 or > 100_000) throw new CliException($"--prompts must be in 1..100000 (got {a.Prompts}).");
        if (a.Top is < 1 or > 10_000) throw new CliException($"--top must be in 1..10000 (got {a.Top}).");
        if (a.Steps is < 1 or > 1000) throw new CliException($"--steps must be in 1..1000 (got {a.Steps}).");
        if (a.Check < -1) throw new CliException($"--check must be -1 (all), 0 or a count (got {a.Check}).");
        if (a.MaxNodes is < 1 or > 100_000) throw new CliException($"--max-nodes must be in 1..100000 (got {a.MaxNodes}).");
        if (a.Batch is < 1 or > 4096) throw new CliException($"--batch must be in 1..4096 (got {a.Batch}).");
        if (a.Graph is not null and not "none" && Path.GetExtension(a.Graph).ToLowerInvariant() is not (".svg" or ".dot" or ".gv"))
            throw new CliException($"--graph '{a.Graph}': use a .svg, .dot or .gv file name (or 'none').");
        using var m = ModelLoader.Load(a.Model);
        ITokenizer tok;
        try { tok = TokenizerLoader.Load(a.Tokenizer ?? a.Model); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new CliException($"cannot load a tokenizer from '{a.Tokenizer ?? a.Model}' ({e.Message}); pass --tokenizer."); }
        if (a.GroundTruth) return GroundTruth(m, tok, a);
        if (string.IsNullOrWhiteSpace(a.Task)) throw new CliException("--task is required: ioi, induction or a prompt-pair JSON file (or pass --ground-truth).");

        var nodes = AttributionNames.ParseNodes(a.Nodes);
        var method = AttributionNames.ParseMethod(a.Method);
        var ablation = a.Ablation.ToLowerInvariant() switch
        {
            "mean" => AblationKind.Mean, "corrupted" => AblationKind.Corrupted,
            _ => throw new CliException($"--ablation must be mean or corrupted (got '{a.Ablation}')."),
        };
        if (nodes != NodeSet.Features && a.Saes.Length > 0) throw new CliException("--sae is only used with --nodes features.");
        var set = a.Task.ToLowerInvariant() switch
        {
            "ioi" => ToyTasks.Ioi(tok, a.Prompts, a.Seed),
            "induction" => ToyTasks.Induction(tok, a.Prompts, a.Seed),
            _ => PromptFile.Load(a.Task, tok),
        };
        var saes = a.Saes.Select(d => Sae.Load(d)).ToList();
        using var store = a.Store is null ? null : new HypothesisStore(a.Store);      // opened first: a bad path fails before the work
        try
        {
            var lab = new CircuitLab(m, saes, new CircuitOptions { BatchSize = a.Batch, Ablation = ablation, PadId = tok.PadId ?? 0 });
            var givenIds = a.Circuit?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            if (a.Circuit is not null && givenIds.Length == 0) throw new CliException("--circuit is empty; give node ids such as L2.H3,L3.H2.");
            foreach (var id in givenIds) lab.Universe(nodes).Parse(id);                    // bad ids fail before the work
            var attribution = lab.Attribute(set, nodes, method, a.Steps, checkTop: a.Check);
            Proposal proposal;
            if (a.Circuit is null) proposal = lab.ProposeCircuit(set, nodes, new ProposerOptions { TargetFaithfulness = a.Target, Rank = method, IgSteps = a.Steps, MaxNodes = a.MaxNodes }, attribution);
            else
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var given = lab.TestCircuit(set, nodes, givenIds);
                proposal = new Proposal(attribution, given, given.Faithfulness >= a.Target, a.Target, Array.Empty<ProposalStep>(), 3, sw.Elapsed.TotalSeconds);
            }
            var graph = nodes == NodeSet.Features && saes.Select(s => s.Cfg.HookName).Distinct().Count() >= 2
                ? lab.FeatureEdges(set, a.EdgesTop)
                : lab.AttributeEdges(set, nodes, proposal.Test.Circuit);
            string? picture = a.Graph == "none" ? null : a.Graph ?? $"circuit-{Slug(set.Name)}-{nodes.Name().Replace('+', '-')}.svg";
            var scores = attribution.Scores.ToDictionary(s => s.Id, s => s.Attribution);
            if (picture is not null)
                CircuitPicture.Write(picture, graph, scores, $"{set.Name} · {nodes.Name()} · {method.Name()} · faithfulness {F(proposal.Test.Faithfulness)}, completeness {F(proposal.Test.Completeness)}");
            Hypothesis? hyp = null;
            if (a.Store is not null || a.Claim is not null)
            {
                hyp = lab.FromProposal(proposal, set, a.Claim, null, new HypothesisContext(a.Model, a.Saes, a.Circuit is null ? "greedy" : "user", "interp circuit",
                    commandLine is null ? null : string.Join(' ', commandLine.Skip(1)), IsToyTask(a.Task) ? $"toy world {set.Name}, seed {a.Seed}, {a.Prompts} pairs" : a.Task));
                store?.Save(hyp);
            }
            if (a.Json) { Console.WriteLine(CircuitJson.Serialize(new Report(proposal, graph, picture, hyp))); return 0; }
            Render(m, set, proposal, graph, a.Top, picture, hyp, a.Store, given: a.Circuit is not null);
            return 0;
        }
        finally { foreach (var s in saes) s.Dispose(); }
    }

    private static bool IsToyTask(string t) => t.Equals("ioi", StringComparison.OrdinalIgnoreCase) || t.Equals("induction", StringComparison.OrdinalIgnoreCase);
    private static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());
    private static string F(double? v, string fmt = "F3") => v is { } x ? x.ToString(fmt, CultureInfo.InvariantCulture) : "undefined";
    private static string S(double? v) => v is { } x ? x.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "";
    private static string Ci(Interval? i) => i is null ? "" : $" [{i.Low:F3}, {i.High:F3}]";

    private static void Render(HookedTransformer m, PromptSet set, Proposal p, Circuit graph, int top, string? picture, Hypothesis? hyp, string? store, bool given)
    {
        var at = p.Attribution; var t = p.Test;
        Console.WriteLine($"{Path.GetFileName(m.Source.TrimEnd('/'))} · {set.Name} · {set.Pairs.Count} pairs · metric {at.Metric.Name} ({at.Metric.Unit}): clean {at.Metric.Clean:F3}, corrupted {at.Metric.Corrupted:F3}");
        Console.WriteLine($"  e.g. clean \"{at.Example.Clean}\" → {at.Example.Answer} (vs {at.Example.Wrong}); corrupted \"{at.Example.Corrupted}\"");
        Console.WriteLine($"attribution: {at.Method}{(at.Steps is { } st ? $" ({st} steps)" : "")} over {at.NodesScored} nodes ({at.Nodes}) in {at.Seconds:F2} s ({at.ForwardPasses} forward, {at.BackwardPasses} backward passes)"
            + (at.NodesChecked > 0 && at.Method != "exact" ? $"; exact patching of the top {at.NodesChecked} in {at.ExactSeconds:F2} s, Spearman ρ = {F(at.SpearmanVsExact)}" : ""));
        Console.WriteLine($"  effect = m(clean) − m(clean with the node set to its corrupted value), in {at.Metric.Unit}");
        Console.WriteLine();
        Console.WriteLine($"  {"rank",4}  {"node",-34} {"attribution",12} {"patch effect",13}");
        var members = t.Circuit.Nodes.Select(n => n.Id).ToHashSet();
        foreach (var (s, i) in at.Scores.Take(top).Select((s, i) => (s, i)))
            Console.WriteLine($"  {i + 1,4}  {s.Id + (members.Contains(s.Id) ? " *" : ""),-34} {S(s.Attribution),12} {S(s.PatchEffect),13}");
        Console.WriteLine($"  (* in the circuit; {at.NodesScored - Math.Min(top, at.Scores.Count)} more nodes not shown)");
        Console.WriteLine();
        var ids = t.Circuit.ToString().Split(", ");
        string list = ids.Length <= 24 ? string.Join(", ", ids) : string.Join(", ", ids.Take(24)) + $", … (+{ids.Length - 24} more; --json lists all)";
        Console.WriteLine(given ? $"circuit (given, tested with {p.AblationRuns} ablation runs in {p.Seconds:F1} s): {list}"
            : $"circuit ({(p.TargetReached ? "greedy, pruned to" : $"target NOT reached within {p.Trace.Where(s => s.Action == "grow").Max(s => s.Size)} nodes; best found for")} faithfulness ≥ {p.Target:F2}, {p.AblationRuns} ablation runs, {p.Seconds:F1} s): {list}");
        Console.WriteLine($"  {t.Size} of {t.UniverseSize} nodes ({100 * t.FractionOfNodes:F1} %); ablated nodes become {t.Ablation}");
        Console.WriteLine($"  m(M) {t.FullModel:F3}   m(∅) {t.Empty:F3}   m(C) {t.CircuitOnly:F3}   m(M∖C) {t.CircuitRemoved:F3}   ({t.Unit})");
        Console.WriteLine($"  faithfulness (m(C) − m(∅)) / (m(M) − m(∅))     = {F(t.Faithfulness)}{Ci(t.FaithfulnessCi95)}");
        Console.WriteLine($"  completeness 1 − (m(M∖C) − m(∅)) / (m(M) − m(∅)) = {F(t.Completeness)}{Ci(t.CompletenessCi95)}");
        if (t.Undefined is not null) Console.WriteLine($"  undefined: {t.Undefined}");
        if (t.Accuracy is { } acc)
            Console.WriteLine($"  answer beats the wrong token: full {acc.Full:P0}, circuit only {acc.CircuitOnly:P0}, circuit removed {acc.CircuitRemoved:P0}, everything ablated {acc.Empty:P0}");
        if (graph.Edges.Count > 0)
            Console.WriteLine($"  strongest edges: {string.Join(", ", graph.Edges.Take(5).Select(e => $"{e.From} → {e.To} {S(e.Weight)}"))}");
        if (picture is not null) Console.WriteLine($"picture: {picture}");
        if (hyp is not null)
            Console.WriteLine($"hypothesis {hyp.Id}: {hyp.Verdict.Verdict.ToString().ToLowerInvariant()} — {hyp.Verdict.Reason}{(store is not null ? $" (saved in {store})" : "")}");
    }

    private static int GroundTruth(HookedTransformer m, ITokenizer tok, Args a)
    {
        var results = ToyGroundTruth.Run(m, tok, new GroundTruthOptions { Prompts = a.Prompts, Seed = a.Seed, IgSteps = a.Steps, TargetFaithfulness = a.Target, BatchSize = a.Batch });
        if (a.Json) { Console.WriteLine(CircuitJson.Serialize(results)); return 0; }
        foreach (var r in results)
        {
            Console.WriteLine($"{r.Task}: {r.Prompts} pairs, {r.Metric.Name} clean {r.Metric.Clean:F3} / corrupted {r.Metric.Corrupted:F3} {r.Metric.Unit}; {r.Seconds:F1} s");
            Console.WriteLine($"  Spearman ρ vs exact patching over {r.Heads.Count} heads: AtP {F(r.SpearmanAtp)}, IG ({r.IgSteps} steps) {F(r.SpearmanIg)}");
            Console.WriteLine($"  {"head",-7} {"atp",9} {"ig",9} {"exact",9}{(r.PrevTokenHeads is null ? "" : $" {"prev-tok",9} {"induction",9}")}");
            foreach (var h in r.Heads)
                Console.WriteLine($"  {h.Id,-7} {S(h.Atp),9} {S(h.Ig),9} {S(h.Exact),9}{(r.PrevTokenHeads is null ? "" : $" {F(h.PrevToken, "F2"),9} {F(h.Induction, "F2"),9}")}");
            if (r.PrevTokenHeads is not null)
                Console.WriteLine($"  by pattern (score ≥ {r.PatternThreshold}): previous-token heads {string.Join(", ", r.PrevTokenHeads)}; induction heads {string.Join(", ", r.InductionHeads!)}");
            foreach (var c in r.Circuits)
            {
                Console.WriteLine($"  circuit (ranked by {c.Rank}), ablated nodes → {c.Ablation}: {c.Circuit} ({c.Size}/{c.Heads} heads){(c.TargetReached ? "" : " — target not reached")}");
                Console.WriteLine($"    faithfulness {F(c.Faithfulness)}{Ci(c.FaithfulnessCi95)}, completeness {F(c.Completeness)}{Ci(c.CompletenessCi95)}; m(M) {c.FullModel:F3} m(∅) {c.Empty:F3} m(C) {c.CircuitOnly:F3} m(M∖C) {c.CircuitRemoved:F3}"
                    + (c.Accuracy is { } acc ? $"; accuracy full {acc.Full:P0} / circuit {acc.CircuitOnly:P0} / removed {acc.CircuitRemoved:P0}" : "")
                    + (c.HasPrevTokenHead is null ? "" : $"; holds a previous-token head: {(c.HasPrevTokenHead == true ? "yes" : "no")}, an induction head: {(c.HasInductionHead == true ? "yes" : "no")}"));
            }
            Console.WriteLine();
        }
        return 0;
    }
}

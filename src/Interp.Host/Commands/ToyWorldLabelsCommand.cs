// `interp toyworld labels`: ground truth for feature labels — per planted concept of the toy world, its best SAE feature,
// that feature's label from a labeling run, and whether the label names the concept; the fraction named per concept
// kind. Prints a table (or --json) and keeps the run store, cache and labels.json under --out. See ToyLabelCheck.
using System.CommandLine;
using System.Text.Json;
using Interp.Agent.Labeling.GroundTruth;

namespace Interp.Host.Commands;

public static class ToyWorldLabelsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Toy-world model folder (with tokenizer.json).", DefaultValueFactory = _ => "evals/models/toy-small" };
        var sae = new Option<string>("--sae") { Description = "SAE trained on that model.", DefaultValueFactory = _ => "evals/saes/toy-small-resid2-topk" };
        var world = new Option<string>("--world") { Description = "Labelled toy world (corpus + labels).", DefaultValueFactory = _ => "evals/worlds/toy-v1" };
        var docs = new Option<int>("--docs") { Description = "Documents scored to find each concept's best feature.", DefaultValueFactory = _ => 1500 };
        var cacheDocs = new Option<int>("--cache-docs") { Description = "Documents after those that the latent cache is built from.", DefaultValueFactory = _ => 1500 };
        var outDir = new Option<string>("--out") { Description = "Folder for the cache, the run store and labels.json (a re-run resumes).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var explainer = new Option<string>("--explainer") { Description = "offline, or llm (the Llm section's explainer and simulator roles; with `interp llm standin --script` and a script of ToyStandInScript's kind this checks the LLM path's plumbing).", DefaultValueFactory = _ => "offline" };
        var config = new Option<string?>("--config") { Description = "With --explainer llm: appsettings.json holding the Llm section." };
        var cmd = new Command("labels", "Per planted concept: its best SAE feature, that feature's label, and whether the label names the concept.")
            { model, sae, world, docs, cacheDocs, outDir, json, explainer, config };
        cmd.SetAction(r => CliErrors.Guard(() => Run(r.GetValue(model)!, r.GetValue(sae)!, r.GetValue(world)!, r.GetValue(outDir)!,
            new ToyLabelOptions(r.GetValue(docs), r.GetValue(cacheDocs), Math.Max(1, Environment.ProcessorCount)), r.GetValue(json),
            r.GetValue(explainer)!, r.GetValue(config))));
        return cmd;
    }

    public static int Run(string modelDir, string saeDir, string worldDir, string outDir, ToyLabelOptions o, bool json,
        string explainer = "offline", string? config = null)
    {
        if (explainer is not ("offline" or "llm")) throw new CliException($"--explainer must be offline or llm (got '{explainer}').");
        using var llm = explainer == "llm"
            ? new Interp.Agent.Llm.LlmClient(Interp.Agent.Llm.Options.LlmOptionsLoader.FromAppSettings(LlmCommand.ResolveConfig(config))) : null;
        var components = llm is null ? null : Interp.Agent.Labeling.LlmPath.LlmComponents.PrepareAsync(llm, "toyworld-labels:" + Path.GetFullPath(outDir),
            new Interp.Agent.Labeling.LlmPath.LlmLabelingSettings(new Interp.Agent.Labeling.LlmPath.LlmExplainerOptions()),
            [Interp.Agent.Scoring.ScoreMethods.Simulation]).GetAwaiter().GetResult();
        if (llm is not null) o = o with { LlmModel = llm.ModelOf(Interp.Agent.Llm.LlmRole.Explainer) };
        var report = ToyLabelCheck.RunAsync(modelDir, saeDir, worldDir, outDir, o, components).GetAwaiter().GetResult();
        var doc = new
        {
            run_store = report.RunStore, match_tokens = report.MatchTokens,
            by_kind = report.ByKind.ToDictionary(kv => kv.Key, kv => new { named = kv.Value.Named, concepts = kv.Value.Total }),
            by_kind_fires_on = report.ByKindFiresOn.ToDictionary(kv => kv.Key, kv => new { named = kv.Value.Named, concepts = kv.Value.Total }),
            concepts = report.Concepts.Select(c => new
            {
                concept = c.Concept, kind = c.Kind, feature = c.Feature, f1 = Math.Round(c.F1, 3), named = c.Verdict?.Named,
                named_fires_on = c.Verdict?.NamedFiresOn, why = c.Verdict?.Why ?? c.Failure, label = c.Label,
            }),
        };
        var text = JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(Path.Combine(outDir, "labels.json"), text);
        if (json) { Console.WriteLine(text); return 0; }
        Console.WriteLine($"{"concept",-24} {"feature",7} {"F1",5}  {"named",-5} {"fires-on",-8}  why / label");
        foreach (var c in report.Concepts)
            Console.WriteLine($"{c.Concept,-24} {c.Feature,7} {c.F1,5:F2}  {Yn(c.Verdict?.Named),-5} {Yn(c.Verdict?.NamedFiresOn),-8}  {c.Verdict?.Why ?? c.Failure}");
        Console.WriteLine();
        foreach (var (kind, (named, total)) in report.ByKind)
            Console.WriteLine($"{kind,-11} named {named}/{total} (fires-on list alone: {report.ByKindFiresOn[kind].Named}/{total})");
        Console.WriteLine($"labels: {Path.GetFullPath(Path.Combine(outDir, "labels.json"))}");
        return 0;
    }

    private static string Yn(bool? b) => b switch { true => "yes", false => "no", null => "-" };
}

// `interp toyworld generate --seed N --docs N --out DIR`: writes a seeded toy-world corpus with per-token ground-truth
// labels, held-out IOI and induction prompts, its tokenizer.json and FORMAT.md (see src/Interp.Evals/ToyWorld).
using System.CommandLine;
using System.Text.Json;
using Interp.Evals.ToyWorld;

namespace Interp.Host.Commands;

public static class ToyWorldCommand
{
    public static Command Create()
    {
        var seed = new Option<ulong>("--seed") { Description = "Generator seed; the same seed and options give byte-identical files.", Required = true };
        var docs = new Option<int>("--docs") { Description = "Number of corpus documents (about 56 tokens each at the default --max-tokens).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (created if missing; files of the same names are replaced).", Required = true };
        var maxTokens = new Option<int>("--max-tokens")
        {
            Description = $"Longest document in tokens, <bos>/<eos> included ({ToyWorldOptions.MinMaxTokens}-{ToyWorldOptions.MaxMaxTokens}).",
            DefaultValueFactory = _ => ToyWorldOptions.DefaultMaxTokens,
        };
        var evalPrompts = new Option<int>("--eval-prompts")
        {
            Description = "Prompts in each of ioi_eval.jsonl and induction_eval.jsonl.",
            DefaultValueFactory = _ => ToyWorldOptions.DefaultEvalPrompts,
        };
        var gzip = new Option<bool>("--gzip") { Description = "Write corpus.txt, labels.jsonl and the eval files gzip'd (*.gz)." };
        var generate = new Command("generate", "Write a toy-world corpus, labels, eval prompts, tokenizer.json and FORMAT.md to --out.")
            { seed, docs, outDir, maxTokens, evalPrompts, gzip };
        generate.SetAction(r => CliErrors.Guard(() => Generate(
            new ToyWorldOptions(r.GetValue(seed), r.GetValue(docs), r.GetValue(maxTokens), r.GetValue(evalPrompts)), r.GetValue(outDir)!, r.GetValue(gzip))));
        var model = new Option<string>("--model") { Description = "Model trained on the world (folder with tokenizer.json).", Required = true };
        var world = new Option<string>("--world") { Description = "World folder with ioi_eval.jsonl and induction_eval.jsonl.", Required = true };
        var max = new Option<int>("--max-prompts") { Description = "Prompts per task (default: all).", DefaultValueFactory = _ => int.MaxValue };
        var eval = new Command("eval", "Accuracy on the world's held-out IOI and induction prompts, with chance levels.") { model, world, max };
        eval.SetAction(r => CliErrors.Guard(() => Eval(r.GetValue(model)!, r.GetValue(world)!, r.GetValue(max))));
        var cModel = new Option<string>("--model") { Description = "Toy-world model folder (with tokenizer.json).", Required = true };
        var cSae = new Option<string>("--sae") { Description = "SAE folder trained on that model (SAELens format).", Required = true };
        var cWorld = new Option<string>("--world") { Description = "Labelled world folder (corpus.txt + labels.jsonl), ideally held out.", Required = true };
        var cDocs = new Option<int>("--docs") { Description = "Documents to score.", DefaultValueFactory = _ => 1000 };
        var concepts = new Command("concepts", "Per planted concept: F1 of the best SAE feature vs the best MLP neuron at the SAE's layer.") { cModel, cSae, cWorld, cDocs };
        concepts.SetAction(r => CliErrors.Guard(() => Concepts(r.GetValue(cModel)!, r.GetValue(cSae)!, r.GetValue(cWorld)!, r.GetValue(cDocs))));
        return new Command("toyworld", "Procedural toy-world corpora with planted, labelled structure.") { generate, eval, concepts, ToyWorldLabelsCommand.Create() };
    }

    public static int Eval(string modelDir, string worldDir, int maxPrompts)
    {
        var m = Interp.Models.ModelLoader.Load(modelDir);
        var tok = Interp.Models.Tokenizers.TokenizerLoader.Load(modelDir);
        foreach (var s in ToyWorldEval.Run(m, tok, worldDir, maxPrompts))
            Console.WriteLine(JsonSerializer.Serialize(new { task = s.Task, prompts = s.Prompts, top1_accuracy = Math.Round(s.Accuracy, 4), candidate_accuracy = Math.Round(s.CandidateAccuracy, 4), chance = Math.Round(s.Chance, 4), mean_logit_diff = Math.Round(s.MeanLogitDiff, 3) }));
        return 0;
    }

    public static int Concepts(string modelDir, string saeDir, string worldDir, int docs)
    {
        var m = Interp.Models.ModelLoader.Load(modelDir);
        var tok = Interp.Models.Tokenizers.TokenizerLoader.Load(modelDir);
        using var sae = Interp.Dictionaries.Sae.Load(saeDir);
        var r = Interp.Evals.Concepts.ToyConceptEval.Run(m, tok, sae, worldDir, docs);
        var rows = r.Features.Zip(r.Neurons, (f, n) => new
        {
            concept = f.Concept, positives = f.Positives,
            feature = f.BestUnit, feature_f1 = Math.Round(f.F1, 3), feature_precision = Math.Round(f.Precision, 3), feature_recall = Math.Round(f.Recall, 3),
            neuron = n.BestUnit, neuron_f1 = Math.Round(n.F1, 3),
        });
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            sae_hook = r.SaeHook, neuron_hook = r.NeuronHook, tokens = r.Tokens, concepts = r.Features.Count,
            features_f1_ge_0_8 = r.FeaturesAtLeast(0.8), neurons_f1_ge_0_8 = r.NeuronsAtLeast(0.8), per_concept = rows,
        }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    public static int Generate(ToyWorldOptions options, string outDir, bool gzip)
    {
        options.Validate();
        var summary = ToyWorldWriter.Write(options, outDir, gzip);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            @out = outDir, docs = summary.Docs, tokens = summary.Tokens, ioi_prompts = summary.IoiPrompts,
            induction_prompts = summary.InductionPrompts, files = summary.Files,
        }));
        return 0;
    }
}

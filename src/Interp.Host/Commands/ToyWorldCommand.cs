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
        return new Command("toyworld", "Procedural toy-world corpora with planted, labelled structure.") { generate, eval };
    }

    public static int Eval(string modelDir, string worldDir, int maxPrompts)
    {
        var m = Interp.Models.ModelLoader.Load(modelDir);
        var tok = Interp.Models.Tokenizers.TokenizerLoader.Load(modelDir);
        foreach (var s in ToyWorldEval.Run(m, tok, worldDir, maxPrompts))
            Console.WriteLine(JsonSerializer.Serialize(new { task = s.Task, prompts = s.Prompts, accuracy = Math.Round(s.Accuracy, 4), chance = Math.Round(s.Chance, 4), mean_logit_diff = Math.Round(s.MeanLogitDiff, 3) }));
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

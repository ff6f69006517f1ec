// `interp tokenizer train --input corpus.txt --vocab-size N --out tokenizer.json`: trains a byte-level BPE
// (GPT-2 regex, "<|endoftext|>" as id 0) and writes a Hugging Face tokenizer.json that `interp tokenize` loads.
using System.CommandLine;
using System.Diagnostics;
using Interp.Models.Tokenizers.Training;
using Interp.Models.Training;

namespace Interp.Host.Commands;

public static class TokenizerCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input") { Description = "Text file(s) to learn from (.txt, or .gz); repeat for several.", Required = true };
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary size including the special token and the 256 byte tokens.", DefaultValueFactory = _ => 4096 };
        var minFreq = new Option<int>("--min-frequency") { Description = "Never merge a pair seen fewer times than this.", DefaultValueFactory = _ => 2 };
        var outPath = new Option<string>("--out") { Description = "tokenizer.json to write.", Required = true };
        var train = new Command("train", "Train a byte-level BPE tokenizer and write tokenizer.json.") { input, vocab, minFreq, outPath };
        train.SetAction(r => CliErrors.Guard(() => Train(r.GetValue(input)!, r.GetValue(vocab), r.GetValue(minFreq), r.GetValue(outPath)!)));
        return new Command("tokenizer", "Tokenizer tools.") { train };
    }

    public static int Train(string[] inputs, int vocabSize, int minFrequency, string outPath)
    {
        foreach (var p in inputs) if (!File.Exists(p)) throw new CliException($"--input '{p}' does not exist.");
        var sw = Stopwatch.StartNew();
        var result = ByteLevelBpeTrainer.Train(inputs.Select(TokenData.ReadText), new BpeTrainerOptions(vocabSize, minFrequency));
        result.Save(outPath);
        if (result.Vocab.Count < vocabSize)
            Console.Error.WriteLine($"note: stopped at {result.Vocab.Count} tokens: no pair occurs {minFrequency}+ times any more.");
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            @out = outPath, vocab_size = result.Vocab.Count, merges = result.Merges.Count, seconds = Math.Round(sw.Elapsed.TotalSeconds, 2),
        }));
        return 0;
    }
}

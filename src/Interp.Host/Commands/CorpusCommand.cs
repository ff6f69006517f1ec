// `interp corpus encode` (text -> .bin of int32 token ids) and `interp corpus baselines` (add-k unigram and bigram
// held-out loss per token, the numbers a trained model must beat). Inputs may be .txt, .gz or .bin.
using System.CommandLine;
using System.Globalization;
using Interp.Models.Tokenizers;
using Interp.Models.Training;

namespace Interp.Host.Commands;

public static class CorpusCommand
{
    public static Command Create()
    {
        var tok = new Option<string>("--tokenizer") { Description = "tokenizer.json (or a folder holding one).", Required = true };
        var input = new Option<string>("--input") { Description = "Text file (.txt or .gz).", Required = true };
        var outPath = new Option<string>("--out") { Description = ".bin file of little-endian int32 token ids.", Required = true };
        var encode = new Command("encode", "Tokenize a text file into a .bin of int32 ids (the form `interp train` reads fastest).") { tok, input, outPath };
        encode.SetAction(r => CliErrors.Guard(() => Encode(r.GetValue(tok)!, r.GetValue(input)!, r.GetValue(outPath)!)));

        var tok2 = new Option<string>("--tokenizer") { Description = "tokenizer.json (or a folder holding one).", Required = true };
        var train = new Option<string>("--train") { Description = "Train corpus: .bin ids, or text (.txt/.gz) encoded on the fly.", Required = true };
        var heldout = new Option<string>("--heldout") { Description = "Held-out corpus, same forms.", Required = true };
        var ks = new Option<string>("--k") { Description = "Comma-separated add-k values to try.", DefaultValueFactory = _ => "1,0.1,0.01,0.001" };
        var baselines = new Command("baselines", "Held-out loss per token (nats) of add-k smoothed unigram and bigram models fitted on --train.") { tok2, train, heldout, ks };
        baselines.SetAction(r => CliErrors.Guard(() => Baselines(r.GetValue(tok2)!, r.GetValue(train)!, r.GetValue(heldout)!, r.GetValue(ks)!, Console.Out)));
        return new Command("corpus", "Corpus tools.") { encode, baselines };
    }

    public static int Encode(string tokenizerPath, string input, string outPath)
    {
        var tokenizer = TokenizerLoader.Load(tokenizerPath);
        if (!File.Exists(input)) throw new CliException($"--input '{input}' does not exist.");
        var text = TokenData.ReadText(input);
        var ids = tokenizer.Encode(text);
        TokenData.WriteBin(outPath, ids);
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            @out = outPath, tokens = ids.Length, chars = text.Length, chars_per_token = ids.Length == 0 ? 0 : Math.Round((double)text.Length / ids.Length, 3),
        }));
        return 0;
    }

    public static int Baselines(string tokenizerPath, string trainPath, string heldoutPath, string kList, TextWriter stdout)
    {
        var tokenizer = TokenizerLoader.Load(tokenizerPath);
        double[] ks;
        try { ks = kList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray(); }
        catch (FormatException) { throw new CliException($"--k must be comma-separated numbers, e.g. 1,0.1,0.01; got '{kList}'."); }
        if (ks.Length == 0) throw new CliException("--k needs at least one value.");
        var train = TokenData.Load(trainPath, tokenizer, "--train");
        var held = TokenData.Load(heldoutPath, tokenizer, "--heldout");
        int v = tokenizer.VocabSize;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vocab {v}, train {train.Length:N0} tokens, held-out {held.Length:N0} tokens; loss = mean -ln p per held-out token (nats)"));
        stdout.WriteLine("k          unigram   bigram");
        (double k, double loss) bestU = (0, double.PositiveInfinity), bestB = (0, double.PositiveInfinity);
        foreach (var k in ks)
        {
            double u = NgramBaselines.UnigramLoss(train, held, v, k), b = NgramBaselines.BigramLoss(train, held, v, k);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k,-10} {u,8:F4}  {b,8:F4}"));
            if (u < bestU.loss) bestU = (k, u);
            if (b < bestB.loss) bestB = (k, b);
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best: unigram {bestU.loss:F4} (k={bestU.k}), bigram {bestB.loss:F4} (k={bestB.k})"));
        return 0;
    }
}

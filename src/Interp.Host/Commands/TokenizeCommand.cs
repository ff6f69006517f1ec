// `interp tokenize --tokenizer PATH --input texts.json`: prints the token ids of each text (a JSON array of strings)
// as a JSON array of id arrays, without special tokens. Exit code 2 with a message on stderr for bad paths or input.
using System.CommandLine;
using System.Text.Json;
using Interp.Models.Tokenizers;

namespace Interp.Host.Commands;

public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerOption = new Option<string>("--tokenizer")
        {
            Description = "Folder with tokenizer.json (or GPT-2 vocab.json + merges.txt), or a tokenizer.json file.",
            Required = true,
        };
        var inputOption = new Option<string>("--input")
        {
            Description = "JSON file holding an array of strings, e.g. [\"Hello world\", \"Second text\"].",
            Required = true,
        };
        var cmd = new Command("tokenize", "Print token ids for each text as a JSON array of id arrays (no special tokens added).");
        cmd.Options.Add(tokenizerOption);
        cmd.Options.Add(inputOption);
        cmd.SetAction(parse => Run(parse.GetValue(tokenizerOption)!, parse.GetValue(inputOption)!, Console.Out, Console.Error));
        return cmd;
    }

    public static int Run(string tokenizerPath, string inputPath, TextWriter stdout, TextWriter stderr)
    {
        Tokenizer tokenizer;
        try { tokenizer = TokenizerLoader.Load(tokenizerPath); }
        catch (Exception ex) when (ex is IOException or NotSupportedException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot load tokenizer: {ex.Message}");
            return 2;
        }
        string[] texts;
        try
        {
            texts = JsonSerializer.Deserialize<string[]>(File.ReadAllText(inputPath))
                ?? throw new JsonException("the file holds null");
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: --input '{inputPath}' must be a JSON array of strings: {ex.Message}");
            return 2;
        }
        int nullAt = Array.IndexOf(texts, null);
        if (nullAt >= 0)
        {
            stderr.WriteLine($"error: --input element {nullAt} is null; every element must be a string.");
            return 2;
        }
        stdout.Write('[');
        for (int i = 0; i < texts.Length; i++)
        {
            if (i > 0) stdout.Write(',');
            stdout.Write('[');
            stdout.Write(string.Join(',', tokenizer.Encode(texts[i])));
            stdout.Write(']');
        }
        stdout.WriteLine(']');
        return 0;
    }
}

// `interp tokenize --tokenizer PATH --input texts.json`: prints the token ids of each text (a JSON array of strings)
// as a JSON array of id arrays, without special tokens. Bad paths or input are typed errors (exit 2 at the boundary).
using System.CommandLine;
using System.Text.Json;
using Interp.Errors;
using Interp.Models.Tokenizers;
using Interp.Tensors.IO;

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
        cmd.SetAction(parse => CliErrors.Guard(() => Run(parse.GetValue(tokenizerOption)!, parse.GetValue(inputOption)!, Console.Out)));
        return cmd;
    }

    public static int Run(string tokenizerPath, string inputPath, TextWriter stdout)
    {
        var tokenizer = TokenizerLoader.Load(tokenizerPath);
        string[] texts = ReadTexts(inputPath);
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

    /// <summary>The --input file: a JSON array of strings.</summary>
    private static string[] ReadTexts(string path)
    {
        if (FileKinds.Of(path) == FileKind.Missing) throw new InterpException("--input file does not exist", path, "check the path", ErrorKind.NotFound);
        string?[] texts;
        try { texts = JsonSerializer.Deserialize<string?[]>(InputFiles.ReadAllText(path, "the --input file")) ?? throw new JsonException("the file holds null"); }
        catch (JsonException ex)
        {
            throw new InterpException($"--input must be a JSON array of strings: {JsonErrorText.Describe(ex)}", path,
                "write e.g. [\"Hello world\", \"Second text\"]", ErrorKind.Format);
        }
        int nullAt = Array.IndexOf(texts, null);
        if (nullAt >= 0) throw new InterpException($"--input element {nullAt} is null", path, "every element must be a string", ErrorKind.Format);
        return texts!;
    }
}

// Opens a tokenizer from disk: a folder with tokenizer.json (+ optional tokenizer_config.json for BOS/EOS/PAD names),
// a folder with GPT-2's vocab.json + merges.txt, or a tokenizer.json file. SentencePiece .model files are not read.
// Files must be regular files; a malformed one is a ConfigException naming the file and the key.
using System.Text.Json;
using Interp.Config;
using Interp.Errors;
using Interp.Tensors.IO;

namespace Interp.Models.Tokenizers;

public static class TokenizerLoader
{
    /// <summary>Loads the tokenizer at path (folder or tokenizer.json file); throws FileNotFoundException,
    /// NotSupportedException (not a tokenizer file) or ConfigException (a malformed one) naming what is wrong.</summary>
    public static Tokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
        {
            if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                throw new NotSupportedException($"'{path}' is not a tokenizer.json file; pass a tokenizer.json file or a folder holding "
                    + "tokenizer.json or vocab.json + merges.txt (SentencePiece .model files are not supported).");
            return LoadTokenizerJson(path, Path.GetDirectoryName(Path.GetFullPath(path)));
        }
        if (!Directory.Exists(path))
            throw new FileNotFoundException($"tokenizer path '{path}' does not exist; pass a folder with tokenizer.json "
                + "(or vocab.json + merges.txt) or a tokenizer.json file.", path);
        var json = Path.Combine(path, "tokenizer.json");
        if (FileKinds.Of(json) != FileKind.Missing) return LoadTokenizerJson(json, path);
        string vocab = Path.Combine(path, "vocab.json"), merges = Path.Combine(path, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges)) return LoadGpt2(vocab, merges);
        throw new FileNotFoundException($"folder '{path}' has neither tokenizer.json nor vocab.json + merges.txt; "
            + $"found: {string.Join(", ", Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Take(20))}.", json);
    }

    /// <summary>A tokenizer from the text of a tokenizer.json (specials: BOS/EOS/PAD token names when known).</summary>
    public static Tokenizer FromJson(string tokenizerJson, string? bosToken = null, string? eosToken = null, string? padToken = null)
    {
        using var doc = ConfigJson.ParseDocument(tokenizerJson, "tokenizer.json");
        return TokenizerJsonParser.Parse(doc.RootElement, new SpecialTokenNames(bosToken, eosToken, padToken), "tokenizer.json");
    }

    private static Tokenizer LoadTokenizerJson(string file, string? folder)
    {
        using var doc = ConfigJson.ParseDocument(InputFiles.ReadAllText(file, "tokenizer.json"), file);
        var specials = folder is not null ? ReadConfigSpecials(Path.Combine(folder, "tokenizer_config.json")) : null;
        return TokenizerJsonParser.Parse(doc.RootElement, specials, file);
    }

    /// <summary>bos_token / eos_token / pad_token from tokenizer_config.json (a string or {"content": ...}).</summary>
    private static SpecialTokenNames? ReadConfigSpecials(string file)
    {
        if (FileKinds.Of(file) == FileKind.Missing) return null;
        using var doc = ConfigJson.ParseDocument(InputFiles.ReadAllText(file, "tokenizer_config.json"), file);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ConfigException("expected a JSON object", file);
        string? Name(string key) =>
            doc.RootElement.TryGetProperty(key, out var v) ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Object when v.TryGetProperty("content", out var c) => c.GetString(),
                _ => null,
            } : null;
        return new SpecialTokenNames(Name("bos_token"), Name("eos_token"), Name("pad_token"));
    }

    /// <summary>GPT-2's files: byte-level BPE with the GPT-2 regex, no prefix space, &lt;|endoftext|&gt; as the
    /// special BOS/EOS token (matched in text as HF's GPT2TokenizerFast does).</summary>
    public static Tokenizer LoadGpt2(string vocabJsonPath, string mergesTxtPath)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(InputFiles.ReadAllText(vocabJsonPath, "vocab.json"))
                ?? throw new ConfigException("holds null; expected an object of token -> id", vocabJsonPath);
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"is not a JSON object of token -> id: {JsonErrorText.Describe(ex)}", vocabJsonPath, ex.Path, null, ex);
        }
        TokenizerJsonParser.CheckVocab(vocab, vocabJsonPath, "vocab");
        var merges = new List<(string, string)>();
        int lineNo = 0;
        InputFiles.RequireRegular(mergesTxtPath, "merges.txt");
        foreach (var line in File.ReadLines(mergesTxtPath))
        {
            lineNo++;
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            try { merges.Add(TokenizerJsonParser.SplitMergeLine(line, merges.Count)); }
            catch (InvalidDataException e) { throw new ConfigException($"line {lineNo}: {e.Message.TrimEnd('.')}", mergesTxtPath, null); }
        }
        BpeModel model;
        try { model = new BpeModel(new Dictionary<string, int>(vocab, StringComparer.Ordinal), merges, new BpeOptions()); }
        catch (ArgumentException e) { throw new ConfigException(e.Message.TrimEnd('.'), mergesTxtPath, null, null, e); }
        const string Eot = "<|endoftext|>";
        var added = vocab.TryGetValue(Eot, out var eot) ? new[] { new AddedToken(eot, Eot, Special: true) } : [];
        return new Tokenizer(model, null, new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true),
            new TemplatePostProcessor([], []), new ByteLevelDecoder(), added, new SpecialTokenNames(Eot, Eot, null));
    }
}

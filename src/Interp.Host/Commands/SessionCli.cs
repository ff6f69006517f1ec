// The options every tool-hosting verb shares (`interp mcp`, `interp chat`, `interp tool`): the model, its SAEs (each
// optionally with its latent cache, DIR=CACHE), the feature index, and --allow-writes; and how `name=value` arguments
// are split and read. Turns them into ModelSessionOptions; loading is ModelSession's.
using System.CommandLine;
using System.Text;
using Interp.Agent.Tools;

namespace Interp.Host.Commands;

public sealed class SessionCli
{
    public Option<string> Model { get; } = new("--model")
    { Description = $"Checkpoint folder (config.json, model.safetensors, tokenizer.json); default {InspectCommand.DefaultModel}.", DefaultValueFactory = _ => InspectCommand.DefaultModel };
    public Option<string[]> Sae { get; } = new("--sae")
    { Description = "SAE folder to attach, optionally with its latent cache: DIR or DIR=CACHE.db (repeatable; default: the default model's SAE; 'none' for none).", AllowMultipleArgumentsPerToken = false };
    public Option<string?> Index { get; } = new("--index") { Description = "Embedded feature index file (labels and search_features); default: none." };
    public Option<bool> AllowWrites { get; } = new("--allow-writes") { Description = "Enable the tools that write (save_label, save_note, to --notes). Off by default." };
    public Option<string?> Notes { get; } = new("--notes") { Description = "JSON-lines file save_label/save_note append to (default: notes.jsonl beside the index, else here)." };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Model); cmd.Options.Add(Sae); cmd.Options.Add(Index); cmd.Options.Add(AllowWrites); cmd.Options.Add(Notes);
    }

    public ModelSessionOptions Read(ParseResult r)
    {
        string model = r.GetValue(Model)!;
        var saes = r.GetValue(Sae) ?? [];
        IReadOnlyList<SaeSource> sources = saes.Length == 1 && saes[0] == "none" ? []
            : saes.Length > 0 ? saes.Select(SaeSource.Parse).ToList()
            : model == InspectCommand.DefaultModel && Directory.Exists(InspectCommand.DefaultSae) ? [new SaeSource(InspectCommand.DefaultSae)] : [];
        return new ModelSessionOptions(model, sources, r.GetValue(Index), r.GetValue(AllowWrites), r.GetValue(Notes));
    }

    /// <summary>Splits a line like shells do (double quotes group, \" escapes) and reads name=value pairs after the first
    /// word: `tokenize text="The cat sat"` → ("tokenize", {text: The cat sat}).</summary>
    public static (string Tool, Dictionary<string, string?> Args) ParseCall(string line)
    {
        var words = Split(line);
        if (words.Count == 0) throw new CliException("no tool named; write TOOL name=value …, e.g. tokenize text=\"The cat sat\"");
        return (words[0], Args(words.Skip(1)));
    }

    public static Dictionary<string, string?> Args(IEnumerable<string> words)
    {
        var args = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var w in words)
        {
            int eq = w.IndexOf('=');
            if (eq <= 0) throw new CliException($"'{w}' is not name=value", "write e.g. k=5 or text=\"The cat sat\"");
            args[w[..eq]] = w[(eq + 1)..];
        }
        return args;
    }

    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var cur = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; any = true; }
            else if (c == '"') { quoted = !quoted; any = true; }
            else if (char.IsWhiteSpace(c) && !quoted) { if (any) words.Add(cur.ToString()); cur.Clear(); any = false; }
            else { cur.Append(c); any = true; }
        }
        if (quoted) throw new CliException("a double quote is not closed");
        if (any) words.Add(cur.ToString());
        return words;
    }
}

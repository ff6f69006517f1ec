// `interp inspect`: read a sentence and show, per token, what the model predicts next, which MLP neurons
// fire hardest and which attention heads write the most (and where they look). Text or --json.
using System.CommandLine;
using System.Text.Json;
using Interp.Models;
using Interp.Models.Analysis;
using Interp.Models.Tokenizers;

namespace Interp.Host.Commands;

public static class InspectCommand
{
    public const string DefaultModel = "evals/models/english-small";
    public const string DefaultSae = "evals/saes/english-small-resid2-topk";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint folder (config.json, model.safetensors, tokenizer.json).", DefaultValueFactory = _ => DefaultModel };
        var tok = new Option<string?>("--tokenizer") { Description = "Tokenizer folder or tokenizer.json (default: the model folder)." };
        var text = new Option<string>("--text") { Description = "The text to inspect.", Required = true };
        var top = new Option<int>("--top") { Description = "How many predictions / neurons / heads to show per token.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of the text report." };
        var sae = new Option<string?>("--sae") { Description = $"SAE folder whose top features to show per token (default: {DefaultSae} with the default model; 'none' to skip)." };
        var truncate = CliInputs.TruncateOption();
        var allowNonFinite = CliInputs.AllowNonFiniteOption();
        var cmd = new Command("inspect", "Show per-token predictions, most active neurons, heads and SAE features for a sentence.") { model, tok, text, top, json, sae, truncate, allowNonFinite };
        cmd.SetAction(r => CliErrors.Guard(() => Execute(r.GetValue(model)!, r.GetValue(tok), r.GetValue(text)!, r.GetValue(top), r.GetValue(json), r.GetValue(sae),
            r.GetValue(truncate), r.GetValue(allowNonFinite))));
        return cmd;
    }

    public static int Execute(string modelDir, string? tokenizerPath, string text, int top, bool json, string? saeDir = null, bool truncate = false,
        bool allowNonFinite = false)
    {
        saeDir ??= modelDir == DefaultModel && Directory.Exists(DefaultSae) ? DefaultSae : null;
        if (saeDir == "none") saeDir = null;
        if (top < 1 || top > 50) throw new CliException($"--top must be between 1 and 50 (got {top}).");
        using var m = ModelLoader.Load(modelDir, null, allowNonFinite, CliInputs.Warn);
        ITokenizer t;
        try { t = TokenizerLoader.Load(tokenizerPath ?? modelDir); }
        catch (FileNotFoundException e) { throw new CliException($"cannot load a tokenizer from '{tokenizerPath ?? modelDir}' ({e.Message.TrimEnd('.')})", "pass --tokenizer"); }
        using var dict = saeDir is null ? null : Interp.Dictionaries.Sae.Load(saeDir);
        if (dict is not null) CliInputs.CheckSaeFits(m, dict, saeDir!);
        var reader = dict is null ? null : new FeatureReader(dict.Cfg.HookName, dict.Encode);
        var reports = Inspection.Run(m, t, text, top, Math.Min(top, 3), Math.Min(top, 3), reader, Math.Min(top, 5), truncate, CliInputs.Warn);
        if (json) { Console.WriteLine(JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true, Converters = { new NonFiniteAsNull() } })); return 0; }
        Render(m, reports);
        return 0;
    }

    private static void Render(HookedTransformer m, IReadOnlyList<PositionReport> reports)
    {
        var c = m.Config;
        bool tty = !Console.IsOutputRedirected;
        string B(string s) => tty ? $"\u001b[1m{s}\u001b[0m" : s;
        string D(string s) => tty ? $"\u001b[2m{s}\u001b[0m" : s;
        Console.WriteLine(B($"{Path.GetFileName(m.Source.TrimEnd('/'))}") + D($"  {c.ModelType}, {c.NLayers} layers, d_model {c.DModel}, {c.NHeads} heads, {reports.Count} tokens"));
        Console.WriteLine();
        foreach (var r in reports)
        {
            Console.WriteLine($"{D($"[{r.Position,3}]")} {B(Quote(r.Token))}");
            Console.WriteLine($"      {D("next   ")} " + string.Join("  ", r.Predictions.Select(p => $"{Quote(p.Token)} {p.Probability * 100,4:F1}%")));
            Console.WriteLine($"      {D("neurons")} " + string.Join("  ", r.Neurons.Select(n => $"L{n.Layer}.N{n.Neuron} {n.Value,6:+0.00;-0.00}")));
            Console.WriteLine($"      {D("heads  ")} " + string.Join("  ", r.Heads.Select(h => $"L{h.Layer}.H{h.Head} |z| {h.ZNorm:F2} → {Quote(reports[h.AttendsTo].Token)} {h.Weight:F2}")));
            if (r.Features.Count > 0)
                Console.WriteLine($"      {D("feature")} " + string.Join("  ", r.Features.Select(f => $"#{f.Feature} {f.Value:F2}")));
        }
    }

    /// <summary>JSON has no NaN: a non-finite number (weights loaded with --allow-nonfinite) is written as null.</summary>
    private sealed class NonFiniteAsNull : System.Text.Json.Serialization.JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value); else writer.WriteNullValue();
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n").Replace("\"", "\\\"") + "\"";
}

// `interp hooks --model DIR [--sae DIR]... [--sae-replace] [--json]`: prints the model's hook table (name, layer, kind,
// symbolic shape with sizes), with the points each SAE adds when spliced in as `interp run --sae` splices it. Reads only
// config.json and cfg.json (no weights). The table itself is Interp.Models.HookTable; this is its thin CLI face.
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Models;

namespace Interp.Host.Commands;

public static class HooksCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint folder (its config.json is read; weights are not loaded).", Required = true };
        var sae = new Option<string[]>("--sae") { Description = "SAELens SAE folder (its cfg.json is read) spliced at its hook_name; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var replace = new Option<bool>("--sae-replace") { Description = "Splice without the error term, as `interp run --sae-replace` (no hook_sae_error point)." };
        var json = new Option<bool>("--json") { Description = "Print JSON (one object: model, model_type, hooks[]) instead of a table." };
        var cmd = new Command("hooks", "Print the model's hook points (name, layer, kind, shape), with those of spliced SAEs.") { model, sae, replace, json };
        cmd.SetAction(r => CliErrors.Guard(() => Execute(r.GetValue(model)!, r.GetValue(sae) ?? Array.Empty<string>(), r.GetValue(replace), r.GetValue(json), Console.Out)));
        return cmd;
    }

    public static int Execute(string modelDir, IReadOnlyList<string> saeDirs, bool saeReplace, bool json, TextWriter output)
    {
        var table = Table(modelDir, saeDirs, saeReplace);
        output.Write(json ? Json(Path.GetFullPath(modelDir), table) : Text(table));
        return 0;
    }

    /// <summary>The hook table of the model in <paramref name="modelDir"/> with each SAE's points spliced in.</summary>
    public static HookTable Table(string modelDir, IReadOnlyList<string> saeDirs, bool saeReplace)
    {
        if (!Directory.Exists(modelDir)) throw new CliException($"--model '{modelDir}' is not a folder; give a Hugging Face checkpoint folder (config.json + model.safetensors).");
        var table = HookTable.For(HfConfigReader.Read(Path.Combine(modelDir, "config.json")));
        var model = table;
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in saeDirs)
        {
            var cfgPath = Path.Combine(dir, SaeConfigJson.FileName);
            if (!File.Exists(cfgPath)) throw new CliException($"--sae '{dir}' has no {SaeConfigJson.FileName}; an SAELens SAE folder holds {SaeConfigJson.FileName} and {SaeFiles.WeightsFile}.");
            var cfg = SaeConfigJson.Read(cfgPath);
            var points = SaeSplice.PointsFor(model, cfg, includeError: !saeReplace);
            var at = points[0].SplicedAt!;
            if (!anchors.Add(at)) throw new CliException($"two SAEs read '{at}'; one hook takes one splice.");
            table = table.WithSplice(at, points);
        }
        return table;
    }

    /// <summary>One row per point: name, layer ("-" outside blocks), kind, symbolic shape, and the sizes it has.</summary>
    public static string Text(HookTable table)
    {
        int w = Math.Max(4, table.Max(p => p.Name.Length));
        int k = Math.Max(4, table.Max(p => p.KindName.Length));
        int s = Math.Max(5, table.Max(p => p.Shape.Length));
        var b = new StringBuilder();
        void Row(string name, string layer, string kind, string shape, string sizes) =>
            b.Append($"{name.PadRight(w)}  {layer,5}  {kind.PadRight(k)}  {shape.PadRight(s)}  {sizes}".TrimEnd()).Append('\n');
        Row("name", "layer", "kind", "shape", "sizes");
        foreach (var p in table)
            Row(p.Name, p.Layer?.ToString(CultureInfo.InvariantCulture) ?? "-", p.KindName, p.Shape,
                string.Join(" ", p.Dims.Where(d => d.Size is { } n && d.Name != n.ToString(CultureInfo.InvariantCulture)).Select(d => d.ToString())));
        return b.ToString();
    }

    public static string Json(string model, HookTable table)
    {
        var hooks = table.Select(p => new Dictionary<string, object?>
        {
            ["name"] = p.Name, ["layer"] = p.Layer, ["kind"] = p.KindName, ["shape"] = p.Shape,
            ["dims"] = p.Dims.Select(d => new Dictionary<string, object?> { ["name"] = d.Name, ["size"] = d.Size }).ToArray(),
            ["spliced_at"] = p.SplicedAt,
        }).ToArray();
        var doc = new Dictionary<string, object?> { ["model"] = model, ["model_type"] = table.Config.ModelType, ["hooks"] = hooks };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}

// `interp search`: find features in the index by meaning (--text, the explanation's embedding), by direction (--feature N
// --sae DIR, the decoder row's nearest neighbours) or by what a text turns on (--activating, the model and SAE run on it,
// the most active features shown with their labels). Filters narrow all three. Text or --json.
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Interp.Dictionaries;
using Interp.Dictionaries.Analysis;
using Interp.Index;
using Interp.Index.Records;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Commands;

public static partial class SearchCommand
{
    public static Command Create()
    {
        var text = new Option<string?>("--text") { Description = "Find features whose explanation means this (e.g. \"dates and months\")." };
        var feature = new Option<int?>("--feature") { Description = "Find the features whose decoder direction is closest to this feature's (needs --sae DIR)." };
        var activating = new Option<string?>("--activating") { Description = "Run the model and SAE on this text and show the most active features with their labels." };
        var sae = new Option<string?>("--sae") { Description = "An SAE folder, or an SAE id or name in the index: filters --text; the SAE of --feature / --activating." };
        var model = new Option<string?>("--model") { Description = $"Model folder for --activating (default: {InspectCommand.DefaultModel})." };
        var layer = new Option<int?>("--layer") { Description = "Only features of SAEs at this layer." };
        var minScore = new Option<double?>("--min-score") { Description = "Only features whose headline score is at least this." };
        var labeled = new Option<bool?>("--labeled") { Description = "true: only labeled features; false: only unlabeled ones." };
        var run = new Option<string?>("--run") { Description = "Only features of this labeling run id." };
        var filter = new Option<string?>("--filter") { Description = "A filter as JSON, e.g. {\"hook\": \"blocks.2.hook_resid_post\", \"max_density\": 0.01}." };
        var top = new Option<int>("--top") { Description = "How many features to show (1-1000).", DefaultValueFactory = _ => 10 };
        var offset = new Option<int>("--offset") { Description = "Skip this many (the next page).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var index = new Option<string?>("--index") { Description = "Embedded index file (default: Index:Embedded:Path)." };
        var from = new Option<string?>("--from") { Description = "embedded or qdrant (default: Index:Backend)." };
        var qdrant = new Option<string?>("--qdrant-url") { Description = "Qdrant gRPC URL (default: Index:Qdrant:Url)." };
        var cmd = new Command("search", "Search indexed features by meaning, by decoder direction, or by what a text activates.")
            { text, feature, activating, sae, model, layer, minScore, labeled, run, filter, top, offset, json, index, from, qdrant };
        cmd.SetAction(r => IndexCli.Run(() => Execute(new Request(r.GetValue(text), r.GetValue(feature), r.GetValue(activating), r.GetValue(sae), r.GetValue(model),
            r.GetValue(layer), r.GetValue(minScore), r.GetValue(labeled), r.GetValue(run), r.GetValue(filter), r.GetValue(top), r.GetValue(offset),
            r.GetValue(json), r.GetValue(index), r.GetValue(from), r.GetValue(qdrant)))));
        return cmd;
    }

    public sealed record Request(string? Text, int? Feature, string? Activating, string? Sae, string? Model, int? Layer, double? MinScore,
        bool? Labeled, string? Run, string? FilterJson, int Top, int Offset, bool Json, string? Index, string? From, string? QdrantUrl = null);

    public static async Task<int> Execute(Request q)
    {
        int modes = (q.Text is not null ? 1 : 0) + (q.Feature is not null ? 1 : 0) + (q.Activating is not null ? 1 : 0);
        if (modes != 1) throw new CliException("give exactly one of --text \"…\", --feature N (with --sae DIR) or --activating \"…\".");
        if (q.Top is < 1 or > 1000) throw new CliException($"--top must be between 1 and 1000 (got {q.Top}).");
        if (q.Offset < 0) throw new CliException($"--offset must not be negative (got {q.Offset}).");
        var options = IndexCli.Options(q.Index, q.From, q.QdrantUrl);
        var filter = q.FilterJson is null ? FeatureFilter.None : FeatureFilterJson.Parse(q.FilterJson);
        if (q.Layer is not null) filter = filter with { Layer = q.Layer };
        if (q.MinScore is not null) filter = filter with { MinScore = q.MinScore };
        if (q.Labeled is not null) filter = filter with { Labeled = q.Labeled };
        if (q.Run is not null) filter = filter with { RunId = q.Run };
        if (q.Activating is not null) return await Activating(q, options);

        if (q.Feature is { } n)
        {
            if (q.Sae is null || !Directory.Exists(q.Sae)) throw new CliException("--feature N needs --sae DIR, the folder of the SAE the feature belongs to.");
            var d = DecoderDirections.Load(q.Sae);
            var row = d.Row(n) ?? throw new CliException($"feature {n} of '{q.Sae}' has an all-zero decoder row: it has no direction to compare.");
            var self = new FeatureKey(d.SaeId, n);
            await using var ix = await IndexCli.Open(options, create: false);
            var own = (await ix.GetAsync([self])).FirstOrDefault();
            var hits = await ix.SearchByVectorAsync(VectorKind.Decoder, row, filter with { Exclude = [self] }, q.Top, q.Offset);
            if (q.Json)
            {
                Console.WriteLine(new JsonObject { ["feature"] = n, ["sae_id"] = d.SaeId, ["sae_name"] = d.Name, ["record"] = Node(own), ["neighbours"] = Hits(hits) }
                    .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            Console.WriteLine($"{d.Name} #{n}: {(own is null ? "(not in the index)" : Label(own))}");
            Console.WriteLine($"nearest decoder directions (cosine) in {IndexCli.Where(options)}:");
            await Print(ix, hits);
            return 0;
        }

        if (q.Sae is not null) filter = SaeFilter(filter, q.Sae);
        await using (var ix = await IndexCli.Open(options, create: false))
        {
            var hits = await ix.SearchByTextAsync(q.Text!, filter, q.Top, q.Offset);
            if (q.Json) { Console.WriteLine(Hits(hits).ToJsonString(new JsonSerializerOptions { WriteIndented = true })); return 0; }
            await Print(ix, hits);
        }
        return 0;
    }

    private static async Task<int> Activating(Request q, IndexOptions options)
    {
        string modelDir = q.Model ?? InspectCommand.DefaultModel;
        string? saeDir = q.Sae ?? (modelDir == InspectCommand.DefaultModel ? InspectCommand.DefaultSae : null);
        if (saeDir is null || !Directory.Exists(saeDir)) throw new CliException("--activating needs --sae DIR, the SAE whose features to show.");
        using var model = ModelLoader.Load(modelDir);
        ITokenizer tok;
        try { tok = TokenizerLoader.Load(modelDir); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new CliException($"cannot load a tokenizer from '{modelDir}' ({e.Message})."); }
        using var sae = Sae.Load(saeDir);
        var result = ActiveFeatures.Compute(model, tok, sae, q.Activating!, q.Top + q.Offset);
        var shown = result.Features.Skip(q.Offset).ToList();
        string saeId = DecoderDirections.Fingerprint(saeDir);
        IReadOnlyList<FeatureRecord> labels = [];
        string? missing = null;
        try
        {
            await using var ix = await IndexCli.Open(options, create: false);
            labels = await ix.GetAsync(shown.Select(f => new FeatureKey(saeId, f.Feature)).ToList());
        }
        catch (FeatureIndexException e) { missing = e.Message; }
        var byFeature = labels.ToDictionary(r => r.Feature);
        if (q.Json)
        {
            var arr = new JsonArray();
            foreach (var f in shown)
                arr.Add(new JsonObject { ["feature"] = f.Feature, ["max"] = f.Max, ["position"] = f.MaxPosition, ["token"] = result.Tokens[f.MaxPosition],
                    ["firing"] = f.Firing, ["mean"] = f.Mean, ["record"] = Node(byFeature.GetValueOrDefault(f.Feature)) });
            Console.WriteLine(new JsonObject { ["hook"] = result.Hook, ["sae_id"] = saeId, ["tokens"] = new JsonArray(result.Tokens.Select(t => (JsonNode)t!).ToArray()),
                ["index_error"] = missing, ["features"] = arr }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        if (missing is not null) Console.Error.WriteLine($"warning: no labels: {missing}");
        Console.WriteLine($"{Path.GetFileName(Path.GetFullPath(saeDir).TrimEnd('/'))} at {result.Hook}, {result.Tokens.Count} tokens; most active features:");
        foreach (var f in shown)
            Console.WriteLine($"  #{f.Feature,-6} max {f.Max,7:F2} at {Quote(result.Tokens[f.MaxPosition])} ({f.Firing}/{result.Tokens.Count} tokens)  " +
                (byFeature.TryGetValue(f.Feature, out var r) ? Label(r) : "(not in the index)"));
        return 0;
    }

    /// <summary>--sae for filtering: a folder (its identity hash), a 64-hex SAE id, else an SAE name.</summary>
    private static FeatureFilter SaeFilter(FeatureFilter f, string sae) =>
        Directory.Exists(sae) ? f with { SaeId = DecoderDirections.Fingerprint(sae) }
        : HexId().IsMatch(sae) ? f with { SaeId = sae } : f with { SaeName = sae };

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexId();

    private static async Task Print(IFeatureIndex ix, IReadOnlyList<FeatureHit> hits)
    {
        if (hits.Count == 0)
        {
            long n = await ix.CountAsync();
            Console.WriteLine(n == 0 ? $"the index at {ix.Info.Location} is empty; build it with `interp index --records F.jsonl`."
                : $"no matching features (the index holds {n}; loosen the filters).");
            return;
        }
        int rank = 1;
        foreach (var h in hits)
            Console.WriteLine($"{rank++,3}. {h.Score,6:F3}  {h.Record.Sae.Name} #{h.Record.Feature}  L{h.Record.Sae.Layer}  {Label(h.Record)}");
    }

    private static string Label(FeatureRecord r)
    {
        var p = FeaturePayload.From(r);
        string score = p.Score is { } s ? $"[{p.ScoreMethod} {s:F2}] " : "";
        return score + (r.IsLabeled ? Quote(p.Explanation) : "(no label yet)");
    }

    private static JsonArray Hits(IReadOnlyList<FeatureHit> hits)
    {
        var arr = new JsonArray();
        int rank = 1;
        foreach (var h in hits) arr.Add(new JsonObject { ["rank"] = rank++, ["score"] = h.Score, ["record"] = Node(h.Record) });
        return arr;
    }

    private static JsonNode? Node(FeatureRecord? r) => r is null ? null : JsonNode.Parse(FeatureRecordJson.Serialize(r));

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n").Replace("\"", "\\\"") + "\"";
}

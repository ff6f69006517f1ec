// `interp index`: puts FeatureRecords into the feature index (embedded SQLite by default, or Qdrant), with each feature's
// decoder direction from its SAE folder when given. Records come from a JSON-lines file; every record is checked before
// anything is written, and re-running replaces records instead of duplicating them.
using System.CommandLine;
using System.Text.Json;
using Interp.Dictionaries.Analysis;
using Interp.Index;
using Interp.Index.Records;

namespace Interp.Host.Commands;

public static class IndexCommand
{
    public static Command Create()
    {
        var records = new Option<string?>("--records") { Description = "FeatureRecord JSON lines (one record per line, FeatureRecordJson)." };
        var run = new Option<string?>("--run") { Description = "Instead of --records: a labeling run store (`interp label --out`); its SAE folder is the default --sae." };
        var sae = new Option<string[]>("--sae") { Description = "SAE folder(s) of the records: their W_dec rows become the decoder vectors (repeatable).", AllowMultipleArgumentsPerToken = true };
        var to = new Option<string?>("--to") { Description = "embedded or qdrant (default: Index:Backend in appsettings.json, else embedded)." };
        var index = new Option<string?>("--index") { Description = "Embedded index file (default: Index:Embedded:Path)." };
        var qdrant = new Option<string?>("--qdrant-url") { Description = "Qdrant gRPC URL (default: Index:Qdrant:Url, http://localhost:6334)." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var cmd = new Command("index", "Index FeatureRecords for search by meaning, by direction and by filters.") { records, run, sae, to, index, qdrant, json };
        cmd.SetAction(r => IndexCli.Run(() =>
        {
            string? rec = r.GetValue(records), runPath = r.GetValue(run);
            if ((rec is null) == (runPath is null)) throw new CliException("give --records (FeatureRecord JSON lines) or --run (a labeling run store), one of them.");
            var saes = r.GetValue(sae) ?? [];
            IFeatureRecordSource source = rec is not null ? new JsonLinesRecordSource(rec) : RunStoreRecordSource.Open(runPath!, out _);
            if (runPath is not null && saes.Length == 0 && Directory.Exists(RunStoreRecordSource.SaeDirOf(runPath))) saes = [RunStoreRecordSource.SaeDirOf(runPath)];
            return Execute(source, saes, r.GetValue(to), r.GetValue(index), r.GetValue(json), r.GetValue(qdrant));
        }));
        return cmd;
    }

    public static Task<int> Execute(string recordsPath, string[] saeDirs, string? to, string? indexPath, bool json, string? qdrantUrl = null) =>
        Execute(new JsonLinesRecordSource(recordsPath), saeDirs, to, indexPath, json, qdrantUrl);

    public static async Task<int> Execute(IFeatureRecordSource source, string[] saeDirs, string? to, string? indexPath, bool json, string? qdrantUrl = null)
    {
        var options = IndexCli.Options(indexPath, to, qdrantUrl);
        var decoders = new Dictionary<string, (DecoderDirections D, string Dir)>();
        foreach (var dir in saeDirs)
        {
            if (!Directory.Exists(dir)) throw new CliException($"--sae '{dir}' is not a folder; pass an SAE folder (cfg.json, sae_weights.safetensors).");
            var d = DecoderDirections.Load(dir);
            decoders[d.SaeId] = (d, dir);
        }
        var used = new HashSet<string>();
        float[]? DecoderOf(FeatureRecord r)
        {
            if (!decoders.TryGetValue(r.Sae.Id, out var e)) return null;
            if (e.D.DIn != r.Sae.DIn || e.D.DSae != r.Sae.DSae)
                throw new CliException($"--sae '{e.Dir}' has d_in {e.D.DIn}, d_sae {e.D.DSae} but the records of SAE {r.Sae.Id} say d_in {r.Sae.DIn}, d_sae {r.Sae.DSae}.");
            used.Add(r.Sae.Id);
            return e.D.Row(r.Feature);
        }
        var records = await FeatureIndexer.ReadAllAsync(source);   // all checked before the index is opened
        foreach (var r in records) DecoderOf(r);                                                  // and each against its --sae (d_in, d_sae)
        await using var ix = await IndexCli.Open(options, create: true);
        var progress = Console.IsErrorRedirected ? null : new Progress<int>(n => Console.Error.Write($"\rindexed {n} features"));
        var s = await FeatureIndexer.IndexAsync(records, ix, DecoderOf, progress);
        if (progress is not null) Console.Error.WriteLine();
        foreach (var (id, e) in decoders.Where(kv => !used.Contains(kv.Key)))
            Console.Error.WriteLine($"warning: --sae '{e.Dir}' (id {id[..Math.Min(12, id.Length)]}…) matches no record; its directions were not used.");
        if (s.WithoutDecoder > 0)
            Console.Error.WriteLine($"note: {s.WithoutDecoder} features have no decoder direction ({string.Join(", ", s.SaesWithoutDecoder)}); " +
                "pass their SAE folder with --sae to search them by direction.");
        long total = await ix.CountAsync();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                records = s.Records, labeled = s.Labeled, with_decoder = s.WithDecoder, without_decoder = s.WithoutDecoder, seconds = Math.Round(s.Seconds, 3),
                backend = ix.Info.Backend, location = ix.Info.Location, embedder = ix.Info.EmbedderModel, embedder_dim = ix.Info.EmbedderDim,
                decoder_dim = ix.Info.DecoderDim, total,
            }));
            return 0;
        }
        Console.WriteLine($"indexed {s.Records} features ({s.Labeled} labeled, {s.WithDecoder} with decoder directions) into {IndexCli.Where(options)} " +
            $"in {s.Seconds:F1} s; it now holds {total} features (embedder {ix.Info.EmbedderModel}, {ix.Info.EmbedderDim}-d; d_in {ix.Info.DecoderDim}).");
        return 0;
    }
}

// Job kind index: indexes a FeatureRecord JSON-lines file into the server's feature index (decoder directions attached
// for records of SAEs the catalog knows). Upserts are idempotent, so a re-run after an interruption replaces, never
// duplicates; each batch written is a progress step. The new labels are announced (FeatureChanges) once written.
using System.Text.Json;
using Interp.Index;
using Interp.Index.Records;
using Interp.Serve.Catalog;
using Interp.Serve.Features;

namespace Interp.Serve.Jobs.Handlers;

public sealed class IndexJob(SaeCatalog catalog, SharedFeatureIndex index, FeatureChanges changes) : IJobHandler
{
    public string Kind => "index";
    public string Description => "index FeatureRecords (JSON lines) for search: {records}";

    public void Validate(JsonElement args)
    {
        JobArgs.Known(args, Kind, "records");
        JobArgs.ExistingFile(args, "records");
    }

    public async Task<string?> RunAsync(JobContext ctx)
    {
        var source = new JsonLinesRecordSource(JobArgs.String(ctx.Args, "records", required: true)!);
        var records = await FeatureIndexer.ReadAllAsync(source, ctx.Token);
        ctx.Log($"{records.Count} records read from {source.Describe}");
        var bySaeId = catalog.Saes.Keys.Select(name => (name, id: Safe(() => catalog.Decoder(name).SaeId))).Where(x => x.id is not null)
            .GroupBy(x => x.id!).ToDictionary(g => g.Key, g => g.First().name);
        var ix = await index.GetAsync(ctx.Token);
        var summary = await FeatureIndexer.IndexAsync(records, ix,
            r => bySaeId.TryGetValue(r.Sae.Id, out var name) ? catalog.Decoder(name).Row(r.Feature) : null,
            new Inline(n => ctx.Progress(n, records.Count, $"{n}/{records.Count} records written")), ctx.Token);
        ctx.Progress(records.Count, records.Count, "indexed");
        foreach (var g in records.GroupBy(r => r.Sae.Id))          // labels changed: page caches drop these features
            LabelRuns.Announce(ctx, changes, FeatureChangeKind.Labels, bySaeId.GetValueOrDefault(g.Key), g.Select(r => r.Feature).ToList());
        return JsonSerializer.Serialize(summary, ServeJson.Options);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, where a lost lease would be an
    /// unhandled exception instead of stopping the job).</summary>
    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private static string? Safe(Func<string> f)
    {
        try { return f(); } catch (Exception e) when (e is IOException or ArgumentException or Interp.Errors.InterpException) { return null; }
    }
}

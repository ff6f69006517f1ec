// Indexes every record of a source: reads and checks them all first (a bad record anywhere stops the run before the
// index is touched), attaches decoder directions when the caller can supply them, then upserts them (in batches) with progress.
// Re-running is safe: point ids are deterministic, so the same records replace themselves.
using Interp.Index.Records;

namespace Interp.Index;

/// <param name="WithoutDecoder">records whose SAE had no decoder directions supplied (searching by direction skips them)</param>
/// <param name="SaesWithoutDecoder">the SAE ids (and names) of those records</param>
public sealed record IndexingSummary(int Records, int Labeled, int WithDecoder, int WithoutDecoder, IReadOnlyList<string> SaesWithoutDecoder, double Seconds);

public static class FeatureIndexer
{
    /// <summary>Every record of the source, checked; throws at the first bad one (before any index is opened).</summary>
    public static async Task<IReadOnlyList<FeatureRecord>> ReadAllAsync(IFeatureRecordSource source, CancellationToken ct = default)
    {
        var records = new List<FeatureRecord>();
        await foreach (var r in source.ReadAsync(ct)) records.Add(r);
        return records;
    }

    /// <param name="decoderOf">the decoder direction of a record's feature, or null when unknown or all-zero</param>
    /// <param name="progress">hears the number of records written so far</param>
    public static async Task<IndexingSummary> IndexAsync(IFeatureRecordSource source, IFeatureIndex index, Func<FeatureRecord, float[]?>? decoderOf = null,
        IProgress<int>? progress = null, CancellationToken ct = default) =>
        await IndexAsync(await ReadAllAsync(source, ct), index, decoderOf, progress, ct);

    public static async Task<IndexingSummary> IndexAsync(IReadOnlyList<FeatureRecord> records, IFeatureIndex index, Func<FeatureRecord, float[]?>? decoderOf = null,
        IProgress<int>? progress = null, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var items = records.Select(r => new IndexedFeature(r, decoderOf?.Invoke(r))).ToList();
        await index.UpsertAsync(items, ct, progress);
        var missing = items.Where(i => i.Decoder is null).Select(i => $"{i.Record.Sae.Name} ({i.Record.Sae.Id})").Distinct().ToList();
        return new IndexingSummary(items.Count, items.Count(i => i.Record.IsLabeled), items.Count(i => i.Decoder is not null),
            items.Count(i => i.Decoder is null), missing, started.Elapsed.TotalSeconds);
    }
}

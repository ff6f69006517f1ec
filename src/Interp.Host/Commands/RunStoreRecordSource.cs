// A labeling run store as a source of FeatureRecords for `interp index --run run.db` and `interp label --index`: the
// records the run has written (one per settled feature), read through the run store's own reader; the run's SAE folder
// (from its manifest) gives the decoder directions unless --sae says otherwise.
using Interp.Agent.Labeling.Store;
using Interp.Index.Records;

namespace Interp.Host.Commands;

public sealed class RunStoreRecordSource : IFeatureRecordSource
{
    private readonly string _path;

    private RunStoreRecordSource(string path) => _path = path;

    public string Describe => _path;

    /// <summary>Checks the store opens (a clear error otherwise) and gives its SAE folder.</summary>
    public static RunStoreRecordSource Open(string path, out string saeDir)
    {
        saeDir = SaeDirOf(path);
        return new RunStoreRecordSource(path);
    }

    public static string SaeDirOf(string path)
    {
        using var store = RunStore.OpenRead(path);
        return store.Manifest.SaeDir;
    }

    public async IAsyncEnumerable<FeatureRecord> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        IReadOnlyList<FeatureRecord> records;
        using (var store = RunStore.OpenRead(_path)) records = store.ReadRecords();
        foreach (var r in records)
        {
            ct.ThrowIfCancellationRequested();
            yield return r;
        }
        await Task.CompletedTask;
    }
}

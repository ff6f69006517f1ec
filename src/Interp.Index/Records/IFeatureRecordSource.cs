// Where `interp index` reads FeatureRecords from: a JSON-lines file today (JsonLinesRecordSource); a labeling run's
// store plugs in here too. A source checks every record's schema as it reads, and names the place of a bad one.
namespace Interp.Index.Records;

public interface IFeatureRecordSource
{
    /// <summary>What is read, for messages ("records.jsonl", "run.db").</summary>
    string Describe { get; }

    /// <exception cref="InvalidDataException">a record that is not valid JSON or of another schema version, with its place</exception>
    IAsyncEnumerable<FeatureRecord> ReadAsync(CancellationToken ct = default);
}

/// <summary>One FeatureRecord JSON object per line (FeatureRecordJson); blank lines are skipped.</summary>
public sealed class JsonLinesRecordSource(string path) : IFeatureRecordSource
{
    public string Describe => path;

    public async IAsyncEnumerable<FeatureRecord> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no records file at '{path}'; pass a FeatureRecord JSON-lines file to --records.");
        using var reader = new StreamReader(path);
        int line = 0;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            FeatureRecord r;
            try { r = FeatureRecordJson.Deserialize(text); }
            catch (InvalidDataException e) { throw new InvalidDataException($"{path}:{line}: {e.Message}", e); }
            yield return r;
        }
    }
}

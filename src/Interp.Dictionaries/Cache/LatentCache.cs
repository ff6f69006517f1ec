// Reads a finalized latent cache: what it was built from (Info) and, per feature, its statistics and example windows
// with token strings (Feature). Read-only; one SQLite connection per instance, so not for concurrent use from several
// threads (open one per thread). Building is LatentCacheBuilder; the file layout is CacheDb.
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

public sealed class LatentCache : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly Dictionary<int, string> _vocab = new();

    public CacheInfo Info { get; }
    public int FeatureCount => Info.DSae;

    private LatentCache(SqliteConnection conn, string path)
    {
        _conn = conn;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT key, value FROM meta";
            using var r = cmd.ExecuteReader();
            while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
        }
        string M(string k) => meta.GetValueOrDefault(k, "");
        long L(string k) => meta.TryGetValue(k, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
        Info = new CacheInfo(Path.GetFullPath(path), M("model"), M("sae"), M("hook_name"), (int)L("d_sae"), M("corpus"), M("corpus_kind"),
            (int)L("context"), L("contexts_done"), L("tokens_done"), L("activations"), L("corpus_done") == 1, L("finalized") == 1, meta);
    }

    /// <summary>Opens the cache at <paramref name="path"/>. FileNotFoundException when absent; InvalidDataException when
    /// the file is not an Interp latent cache (another SQLite database, another file, a damaged or newer cache).</summary>
    public static LatentCache Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var conn = CacheDb.OpenExisting(path);
        try { return Guard(path, () => new LatentCache(conn, path)); }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Everything the cache holds on feature <paramref name="id"/> (0..FeatureCount-1). Throws
    /// ArgumentOutOfRangeException for an id outside the SAE, InvalidDataException for a cache not finalized yet.</summary>
    public CachedFeature Feature(int id)
    {
        if (id < 0 || id >= FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(id), $"feature {id} is outside this SAE's features 0..{FeatureCount - 1}.");
        if (!Info.Finalized)
            throw new InvalidDataException($"the latent cache '{Info.Path}' is not finished ({Info.Contexts} contexts stored, " +
                $"{(Info.CorpusDone ? "finalize interrupted" : "corpus not read to the end")}); re-run `interp cache build` with the same arguments to resume it.");
        return Guard(Info.Path, () => Read(id));
    }

    /// <summary>The token ids of context <paramref name="contextId"/> (0..Info.Contexts-1), [context length].</summary>
    public int[] ContextTokens(long contextId)
    {
        CheckContext(contextId);
        return Guard(Info.Path, () =>
        {
            using var cmd = _conn.CreateCommand();
            cmd.CommandText = "SELECT tokens FROM contexts WHERE id = $c";
            cmd.Parameters.AddWithValue("$c", contextId);
            return cmd.ExecuteScalar() is byte[] b ? CacheDb.BlobToInts(b)
                : throw new InvalidDataException($"the latent cache '{Info.Path}' has no tokens for context {contextId}; rebuild it.");
        });
    }

    /// <summary>Feature <paramref name="feature"/>'s activation at every position of context <paramref name="contextId"/>,
    /// [context length], 0 where it does not fire.</summary>
    public float[] FeatureActivations(int feature, long contextId)
    {
        if (feature < 0 || feature >= FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(feature), $"feature {feature} is outside this SAE's features 0..{FeatureCount - 1}.");
        CheckContext(contextId);
        return Guard(Info.Path, () =>
        {
            var acts = new float[Info.ContextLength];
            using var cmd = _conn.CreateCommand();
            cmd.CommandText = "SELECT pos, value FROM acts WHERE context = $c AND feature = $f";
            cmd.Parameters.AddWithValue("$c", contextId);
            cmd.Parameters.AddWithValue("$f", feature);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                int pos = r.GetInt32(0);
                if (pos < 0 || pos >= acts.Length) throw new InvalidDataException($"the latent cache '{Info.Path}' holds position {pos} outside context length {acts.Length}; rebuild it.");
                acts[pos] = (float)r.GetDouble(1);
            }
            return acts;
        });
    }

    /// <summary>The display string of token <paramref name="tokenId"/> (`[id]` when the cache was built without a tokenizer).</summary>
    public string TokenString(int tokenId) => Guard(Info.Path, () => TokenText(tokenId));

    private void CheckContext(long contextId)
    {
        if (contextId < 0 || contextId >= Info.Contexts)
            throw new ArgumentOutOfRangeException(nameof(contextId), $"context {contextId} is outside this cache's contexts 0..{Info.Contexts - 1}.");
    }

    private CachedFeature Read(int id)
    {
        long count; double density, max, mean; long[] hist; List<QuantileBin> bins;
        using (var cmd = _conn.CreateCommand())
        {
            cmd.CommandText = "SELECT count, density, max, mean, histogram, quantile_bins FROM features WHERE feature = $f";
            cmd.Parameters.AddWithValue("$f", id);
            using var r = cmd.ExecuteReader();
            if (!r.Read()) throw new InvalidDataException($"the latent cache '{Info.Path}' has no row for feature {id} although it is marked finalized; rebuild it.");
            (count, density, max, mean) = (r.GetInt64(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3));
            hist = JsonSerializer.Deserialize<long[]>(r.GetString(4)) ?? [];
            using var q = JsonDocument.Parse(r.GetString(5));
            bins = q.RootElement.EnumerateArray().Select((e, i) => new QuantileBin(i, e.GetProperty("count").GetInt64(),
                e.GetProperty("low").GetDouble(), e.GetProperty("high").GetDouble())).ToList();
        }
        var examples = new List<CacheExample>();
        using (var cmd = _conn.CreateCommand())
        {
            cmd.CommandText = "SELECT kind, rank, bin, context, pos, value, start, tokens, acts FROM examples WHERE feature = $f ORDER BY kind, rank";
            cmd.Parameters.AddWithValue("$f", id);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var kind = (ExampleKind)r.GetInt32(0);
                int pos = r.GetInt32(4), start = r.GetInt32(6);
                var ids = CacheDb.BlobToInts((byte[])r[7]);
                examples.Add(new CacheExample(kind, r.GetInt32(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetInt64(3), start,
                    pos < 0 ? -1 : pos - start, pos, r.GetDouble(5), ids, ids.Select(TokenText).ToArray(), CacheDb.BlobToFloats((byte[])r[8])));
            }
        }
        return new CachedFeature(id, count, Info.Tokens, density, max, mean, new FeatureHistogram(max, hist), bins,
            examples.Where(e => e.Kind == ExampleKind.Top).ToList(), examples.Where(e => e.Kind == ExampleKind.Quantile).ToList(),
            examples.Where(e => e.Kind == ExampleKind.RandomNegative).ToList());
    }

    private string TokenText(int id)
    {
        if (_vocab.TryGetValue(id, out var s)) return s;
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = "SELECT text FROM vocab WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return _vocab[id] = cmd.ExecuteScalar() as string ?? $"[{id}]";
    }

    private static T Guard<T>(string path, Func<T> body)
    {
        try { return body(); }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"the latent cache '{path}' cannot be read: SQLite says \"{e.Message.TrimEnd('.')}\" (a damaged file?); rebuild it.", e);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidCastException)
        {
            throw new InvalidDataException($"the latent cache '{path}' holds a malformed value ({e.Message}); rebuild it.", e);
        }
    }

    public void Dispose() => _conn.Dispose();
}

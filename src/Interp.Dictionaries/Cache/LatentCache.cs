// Reads a finalized latent cache: what it was built from (Info, CheckInputs), per feature its statistics and example windows
// with token strings (Feature), and per context its tokens and activations (ContextTokens, FeatureActivations,
// ContextActivations). Read-only; one SQLite connection per instance, so not for concurrent use from several threads
// (open one per thread). Every row read is checked: a damaged one is an InvalidDataException, never an empty result.
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Interp.Dictionaries.Cache;

/// <summary>Every non-zero activation of one context, by position then feature: entry i is feature Features[i] at
/// position Positions[i] with value Values[i].</summary>
public sealed record ContextActivationList(long ContextId, int[] Positions, int[] Features, float[] Values);

public sealed class LatentCache : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly ContextLayout _layout;
    private readonly Dictionary<int, string> _vocab = new();
    private readonly sqlite3_stmt _contextStmt;                 // prepared once: the context reads are the hot path of labeling
    private (long Id, byte[] Blob)? _lastContext;

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
        _layout = CacheDb.Layout(conn, path);
        string M(string k) => meta.GetValueOrDefault(k, "");
        long L(string k) => CacheDb.MetaLong(conn, path, k);
        Info = new CacheInfo(Path.GetFullPath(path), M("model"), M("sae"), M("hook_name"), _layout.DSae, M("corpus"), M("corpus_kind"),
            _layout.ContextLength, L("contexts_done"), L("tokens_done"), L("activations"), L("corpus_done") == 1, L("finalized") == 1, meta);
        if (Info.Contexts < 0 || Info.Tokens != Info.Contexts * Info.ContextLength || Info.Activations < 0)
            throw CacheDb.Damaged(path, $"its meta says {Info.Contexts} contexts of {Info.ContextLength} tokens, {Info.Tokens} tokens and {Info.Activations} activations");
        long maxId = CacheDb.Scalar<long>(conn, "SELECT COALESCE(MAX(id), -1) FROM contexts");
        if (maxId != Info.Contexts - 1)
            throw CacheDb.Damaged(path, $"its last context row is {maxId} where its meta says {Info.Contexts} contexts were stored");
        if (Info.Finalized && CacheDb.Scalar<long>(conn, "SELECT COUNT(*) FROM features") != Info.DSae)
            throw CacheDb.Damaged(path, $"it is marked finalized but holds {CacheDb.Scalar<long>(conn, "SELECT COUNT(*) FROM features")} feature rows for {Info.DSae} features");
        CacheDb.Exec(conn, "PRAGMA mmap_size = 1073741824");           // read pages in place: no read() call per page of a context row
        int rc = raw.sqlite3_prepare_v2(conn.Handle!, "SELECT data FROM contexts WHERE id = ?", out _contextStmt);
        if (rc != raw.SQLITE_OK) throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(conn.Handle!).utf8_to_string()}'.", rc);
    }

    /// <summary>Opens the cache at <paramref name="path"/>. FileNotFoundException when absent; InvalidDataException when
    /// the file is not an Interp latent cache (another SQLite database, another file, a directory or FIFO, a damaged,
    /// older or newer cache).</summary>
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

    /// <summary>Throws InvalidDataException unless the cache was built from the model and SAE <paramref name="inputs"/>
    /// describe (their fingerprints; the folders may have moved): a cache of another model or SAE would label the wrong
    /// features.</summary>
    public void CheckInputs(CacheInputs inputs)
    {
        foreach (var (what, key, had, now, dir) in new[]
                 {
                     ("SAE", "sae_fingerprint", Info.Meta.GetValueOrDefault("sae_fingerprint"), inputs.SaeFingerprint, Info.Sae),
                     ("model", "model_fingerprint", Info.Meta.GetValueOrDefault("model_fingerprint"), inputs.ModelFingerprint, Info.Model),
                 })
            if (had != now)
                throw new InvalidDataException($"the latent cache '{Info.Path}' was built from another {what} ('{dir}', {key} {had?[..Math.Min(12, had.Length)]}…), " +
                    $"not '{(what == "SAE" ? inputs.Sae : inputs.Model)}' ({now[..Math.Min(12, now.Length)]}…); pass the matching cache, or build one for this {what} with `interp cache build`.");
    }

    /// <summary>Everything the cache holds on feature <paramref name="id"/> (0..FeatureCount-1). Throws
    /// ArgumentOutOfRangeException for an id outside the SAE, InvalidDataException for a cache not finalized yet or a
    /// damaged row.</summary>
    public CachedFeature Feature(int id)
    {
        if (id < 0 || id >= FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(id), $"feature {id} is outside this SAE's features 0..{FeatureCount - 1}.");
        if (!Info.Finalized)
            throw new InvalidDataException($"the latent cache '{Info.Path}' is not finished ({Info.Contexts} contexts stored, " +
                $"{(Info.CorpusDone ? "finalize interrupted" : "corpus not read to the end")}); re-run `interp cache build` with the same arguments to resume it.");
        return Guard(Info.Path, () => FeatureReader.Read(_conn, Info, id, TokenText));
    }

    /// <summary>The token ids of context <paramref name="contextId"/> (0..Info.Contexts-1), [context length].</summary>
    public int[] ContextTokens(long contextId)
    {
        CheckContext(contextId);
        return Guard(Info.Path, () =>
        {
            var tokens = new int[Info.ContextLength];
            Context(contextId).CopyTokens(tokens);
            return tokens;
        });
    }

    /// <summary>Feature <paramref name="feature"/>'s activation at every position of context <paramref name="contextId"/>,
    /// [context length], 0 where it does not fire. One row read (the last one is kept, so several features of one
    /// context cost one read) and a scan of its ids.</summary>
    public float[] FeatureActivations(int feature, long contextId)
    {
        if (feature < 0 || feature >= FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(feature), $"feature {feature} is outside this SAE's features 0..{FeatureCount - 1}.");
        CheckContext(contextId);
        return Guard(Info.Path, () =>
        {
            var acts = new float[Info.ContextLength];
            Context(contextId).FeatureValues(feature, acts);
            return acts;
        });
    }

    /// <summary>Every non-zero activation of context <paramref name="contextId"/>, by position then feature id.</summary>
    public ContextActivationList ContextActivations(long contextId)
    {
        CheckContext(contextId);
        return Guard(Info.Path, () =>
        {
            var blob = Context(contextId);
            var (pos, ids, vals) = (new int[blob.Count], new int[blob.Count], new float[blob.Count]);
            int i = 0;
            foreach (var (p, id, v) in blob) { pos[i] = p; ids[i] = id; vals[i++] = v; }
            return new ContextActivationList(contextId, pos, ids, vals);
        });
    }

    /// <summary>The display string of token <paramref name="tokenId"/> (`[id]` when the cache was built without a tokenizer,
    /// or the id never occurs in it).</summary>
    public string TokenString(int tokenId) => Guard(Info.Path, () => TokenText(tokenId));

    private void CheckContext(long contextId)
    {
        if (contextId < 0 || contextId >= Info.Contexts)
            throw new ArgumentOutOfRangeException(nameof(contextId), $"context {contextId} is outside this cache's contexts 0..{Info.Contexts - 1}.");
    }

    /// <summary>Context <paramref name="id"/>'s row, checked (checksum, counts, ids, tokens).</summary>
    private ContextBlob Context(long id)
    {
        if (_lastContext is not { } last || last.Id != id)
        {
            byte[] blob;
            try
            {
                raw.sqlite3_bind_int64(_contextStmt, 1, id);
                int rc = raw.sqlite3_step(_contextStmt);
                if (rc == raw.SQLITE_DONE) throw CacheDb.Damaged(Info.Path, $"context {id} has no row");
                if (rc != raw.SQLITE_ROW) throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_conn.Handle!).utf8_to_string()}'.", rc);
                if (raw.sqlite3_column_type(_contextStmt, 0) != raw.SQLITE_BLOB) throw CacheDb.Damaged(Info.Path, $"the row of context {id} is not a blob");
                blob = raw.sqlite3_column_blob(_contextStmt, 0).ToArray();
            }
            finally { raw.sqlite3_reset(_contextStmt); }
            ContextBlob.Parse(blob, _layout, id, Info.Path);          // throws if damaged; only checked rows are kept
            _lastContext = last = (id, blob);
        }
        return ContextBlob.Parse(last.Blob, _layout, id, Info.Path, verify: false);
    }

    private string TokenText(int id)
    {
        if (_vocab.TryGetValue(id, out var s)) return s;
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = "SELECT text FROM vocab WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return _vocab[id] = cmd.ExecuteScalar() switch
        {
            null or DBNull => $"[{id}]",
            string text => text,
            var other => throw CacheDb.Damaged(Info.Path, $"the display string of token {id} is a {other.GetType().Name}, not text"),
        };
    }

    internal static T Guard<T>(string path, Func<T> body)
    {
        try { return body(); }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"the latent cache '{path}' cannot be read: SQLite says \"{e.Message.TrimEnd('.')}\" (a damaged file?); rebuild it.", e);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidCastException or OverflowException or KeyNotFoundException
                                   or InvalidOperationException)
        {
            throw new InvalidDataException($"the latent cache '{path}' holds a malformed value ({e.Message}); rebuild it.", e);
        }
    }

    public void Dispose()
    {
        _contextStmt.Dispose();
        _conn.Dispose();
    }
}

// Builds a latent cache: under the cache's writer lock, streams the corpus's contexts through the model and the SAE a
// batch at a time, stores only the non-zero feature activations (a row per context), and commits each batch together with
// its progress marker in one SQLite transaction, so a build stopped at any point (even before its first batch) leaves a
// readable cache and a re-run resumes after the last committed batch. Then finalizes (CacheFinalizer). Memory while
// building: one batch of activations [batch, context, d_sae] plus SQLite's page cache.
using System.Diagnostics;
using System.Security.Cryptography;
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

/// <summary>Where a build stands: <see cref="BatchWritten"/> and <see cref="FeaturesWritten"/> are reported inside the
/// open transaction (an exception thrown there rolls it back, as a kill would), the others after a commit.
/// <see cref="Counted"/>: finalize has checked every stored context and counted each feature's activations.</summary>
public enum CacheStage { BatchWritten, BatchCommitted, CorpusDone, Counted, FeaturesWritten, FeaturesCommitted, Finalized }

/// <param name="Done">contexts stored so far (batch stages) or features finalized so far (feature stages)</param>
/// <param name="Total">features in all (feature stages); -1 where not known in advance</param>
public readonly record struct CacheProgressEvent(CacheStage Stage, long Done, long Total);

public delegate void CacheProgress(CacheProgressEvent e);

/// <summary>What the cache records about its inputs; the fingerprints (and hook, d_sae, corpus, context length) must
/// match for a build to resume an existing file.</summary>
public sealed record CacheInputs(string Model, string ModelFingerprint, string Sae, string SaeFingerprint)
{
    /// <summary>Model: SHA-256 of config.json plus each *.safetensors file's name, length and header (cheap for large
    /// checkpoints); SAE: SHA-256 of cfg.json and sae_weights.safetensors.</summary>
    public static CacheInputs FromDirectories(string modelDir, string saeDir)
    {
        using var m = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AddFile(m, Path.Combine(modelDir, "config.json"), whole: true);
        foreach (var f in Directory.EnumerateFiles(modelDir, "*.safetensors").Order(StringComparer.Ordinal)) AddFile(m, f, whole: false);
        using var s = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in new[] { "cfg.json", "sae_weights.safetensors" }) AddFile(s, Path.Combine(saeDir, name), whole: true);
        return new CacheInputs(Path.GetFullPath(modelDir), Convert.ToHexStringLower(m.GetHashAndReset()),
            Path.GetFullPath(saeDir), Convert.ToHexStringLower(s.GetHashAndReset()));
    }

    private static void AddFile(IncrementalHash h, string path, bool whole)
    {
        if (!File.Exists(path)) return;
        using var f = File.OpenRead(path);
        h.AppendData(System.Text.Encoding.UTF8.GetBytes($"{Path.GetFileName(path)}:{f.Length}:"));
        var buf = new byte[1 << 16];
        long left = whole ? long.MaxValue : 1 << 20;       // a safetensors header (names, shapes, offsets) sits in its first bytes
        int n;
        while (left > 0 && (n = f.Read(buf, 0, (int)Math.Min(buf.Length, left))) > 0) { h.AppendData(buf, 0, n); left -= n; }
    }
}

/// <param name="NewContexts">contexts run and stored by this call (0 when resuming a finished build)</param>
/// <param name="TailTokens">corpus tokens after the last full context, not stored (known when this call read the corpus to its end)</param>
/// <param name="BuildSeconds">time spent running batches and writing them in this call</param>
public sealed record CacheBuildResult(long Contexts, long Tokens, long Activations, long NewContexts, long TailTokens,
    double BuildSeconds, double FinalizeSeconds);

public static class LatentCacheBuilder
{
    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    /// <summary>Finalizes (again, when <paramref name="options"/>' example settings differ from the last finalize's) a cache
    /// whose corpus is fully stored, without the model or SAE. Returns the seconds spent. Throws InvalidDataException when
    /// the file is not such a cache, LatentCacheInUseException when another process is writing it.</summary>
    public static double Finalize(string path, LatentCacheOptions options, CacheProgress? progress = null)
    {
        options.Validate();
        CacheDb.OpenExisting(path).Dispose();                       // an existing cache, never a new one
        using var writerLock = CacheLock.Acquire(path);
        using var conn = CacheDb.OpenForBuild(path, new Dictionary<string, string>(), new Dictionary<string, string>());
        if (CacheDb.MetaLong(conn, path, "corpus_done") != 1)
            throw new InvalidDataException($"the latent cache '{path}' has not stored its whole corpus yet ({CacheDb.MetaLong(conn, path, "contexts_done")} " +
                "contexts); re-run `interp cache build` with the model, SAE and corpus to finish it.");
        var sw = Stopwatch.StartNew();
        CacheFinalizer.Run(conn, path, options, progress);
        CacheDb.EndBuild(conn);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Builds or resumes the cache at <paramref name="path"/> and finalizes it. Throws ArgumentException for
    /// inputs that do not fit together, InvalidDataException for a file that is not a matching cache.</summary>
    public static CacheBuildResult Build(string path, HookedTransformer model, Sae sae, Corpus corpus, CacheInputs inputs,
        LatentCacheOptions options, ITokenizer? tokenizer = null, CacheProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options.Validate();
        var (hook, layout) = SaeSplice.Resolve(model, sae);
        if (sae.DType != DType.F32) throw new ArgumentException($"run the cache with an F32 SAE (the model's dtype), not {sae.DType}.");
        if (options.ContextLength > model.Config.NCtx)
            throw new ArgumentException($"--context {options.ContextLength} is longer than the model's context ({model.Config.NCtx}); pass --context {model.Config.NCtx} or less.");
        var identity = new Dictionary<string, string>
        {
            ["model_fingerprint"] = inputs.ModelFingerprint, ["sae_fingerprint"] = inputs.SaeFingerprint, ["hook_name"] = hook,
            ["d_sae"] = sae.DSae.ToString(Inv), ["d_vocab"] = model.Config.DVocab.ToString(Inv), ["corpus_kind"] = corpus.Kind,
            ["corpus_fingerprint"] = corpus.Fingerprint(), ["context"] = options.ContextLength.ToString(Inv),
        };
        var info = new Dictionary<string, string>
        {
            ["model"] = inputs.Model, ["sae"] = inputs.Sae, ["architecture"] = sae.Cfg.Architecture, ["corpus"] = Path.GetFullPath(corpus.Path),
            ["token_text"] = tokenizer is null ? "[id] (no tokenizer)" : "tokenizer of the model folder",
        };
        CacheDb.CheckBuildPath(path);
        using var writerLock = CacheLock.Acquire(path);
        using var conn = CacheDb.OpenForBuild(path, identity, info);
        var blobLayout = CacheDb.Layout(conn, path);

        var sw = Stopwatch.StartNew();
        long newContexts = 0, tail = -1;
        if (CacheDb.GetMetaLong(conn, "corpus_done") == 0)
        {
            var writer = new BatchWriter(conn, model, sae, hook, layout, blobLayout, tokenizer, progress);
            long done = CacheDb.GetMetaLong(conn, "contexts_done"), seen = 0;
            var batch = new List<int[]>(options.BatchSize);
            foreach (var ctx in corpus.Contexts(options.ContextLength))
            {
                if (seen++ < done) continue;                       // stored by an earlier run
                batch.Add(ctx);
                if (batch.Count == options.BatchSize) { writer.Write(batch, done + newContexts); newContexts += batch.Count; batch.Clear(); }
            }
            if (batch.Count > 0) { writer.Write(batch, done + newContexts); newContexts += batch.Count; }
            tail = corpus.TailTokens;
            if (done + newContexts == 0)
                throw new ArgumentException($"the corpus '{corpus.Path}' holds {tail} tokens, fewer than one context of {options.ContextLength}; " +
                    "give a longer corpus or a smaller --context.");
            using (var tx = conn.BeginTransaction())
            {
                CacheDb.SetMeta(conn, "corpus_done", 1);
                CacheDb.SetMeta(conn, "tail_tokens", tail);
                tx.Commit();
            }
            progress?.Invoke(new CacheProgressEvent(CacheStage.CorpusDone, done + newContexts, done + newContexts));
        }
        double buildSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        CacheFinalizer.Run(conn, path, options, progress);
        CacheDb.EndBuild(conn);
        return new CacheBuildResult(CacheDb.GetMetaLong(conn, "contexts_done"), CacheDb.GetMetaLong(conn, "tokens_done"),
            CacheDb.GetMetaLong(conn, "activations"), newContexts, tail, buildSeconds, sw.Elapsed.TotalSeconds);
    }
}

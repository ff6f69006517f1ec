// One batch of a latent-cache build: runs the contexts through the model (stopping at the SAE's hook) and the SAE, and
// writes one row per context (its tokens and non-zero activations, ContextBlob), the tokens' display strings and the
// progress marker in one transaction. Not the corpus loop or resume logic (LatentCacheBuilder).
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;
using Microsoft.Data.Sqlite;

namespace Interp.Dictionaries.Cache;

/// <summary>Runs one batch of contexts and writes it, with the progress marker, in one transaction.</summary>
internal sealed class BatchWriter
{
    private readonly SqliteConnection _conn;
    private readonly HookedTransformer _model;
    private readonly Sae _sae;
    private readonly string _hook;
    private readonly HookLayout _layout;
    private readonly ITokenizer? _tokenizer;
    private readonly CacheProgress? _progress;
    private readonly HashSet<int> _vocabWritten = new();
    private readonly ContextBlobWriter _blobs;

    public BatchWriter(SqliteConnection conn, HookedTransformer model, Sae sae, string hook, HookLayout layout, ContextLayout blobLayout,
        ITokenizer? tokenizer, CacheProgress? progress)
    {
        (_conn, _model, _sae, _hook, _layout, _tokenizer, _progress) = (conn, model, sae, hook, layout, tokenizer, progress);
        _blobs = new ContextBlobWriter(blobLayout);
    }

    public void Write(List<int[]> contexts, long firstId)
    {
        int b = contexts.Count, t = contexts[0].Length, d = _sae.DSae;
        using var acts = Encode(contexts);                                     // [b, t, d_sae]
        var data = acts.Data<float>();
        int off = acts.Offset;
        using var tx = _conn.BeginTransaction();
        using var ctxCmd = Prepare("INSERT INTO contexts(id, data) VALUES($id, $data)", "$id", "$data");
        using var vocabCmd = Prepare("INSERT OR IGNORE INTO vocab(id, text) VALUES($id, $text)", "$id", "$text");
        long stored = 0;
        for (int c = 0; c < b; c++)
        {
            long id = firstId + c;
            Run(ctxCmd, id, _blobs.Encode(id, contexts[c], new ReadOnlySpan<float>(data, off + c * t * d, t * d)));
            stored += _blobs.Count;
            foreach (var tok in contexts[c])
                if (_vocabWritten.Add(tok)) Run(vocabCmd, tok, _tokenizer?.TokenToString(tok) ?? $"[{tok}]");
        }
        long done = firstId + b;
        CacheDb.SetMeta(_conn, "contexts_done", done);
        CacheDb.SetMeta(_conn, "tokens_done", done * t);
        CacheDb.SetMeta(_conn, "activations", CacheDb.GetMetaLong(_conn, "activations") + stored);
        _progress?.Invoke(new CacheProgressEvent(CacheStage.BatchWritten, done, -1));
        tx.Commit();
        CacheFaults.At("batch-committed");
        _progress?.Invoke(new CacheProgressEvent(CacheStage.BatchCommitted, done, -1));
    }

    /// <summary>Feature activations of a batch of contexts: [b, t, d_sae], contiguous F32.</summary>
    private Tensor Encode(List<int[]> contexts)
    {
        int b = contexts.Count, t = contexts[0].Length;
        var flat = new long[b * t];
        for (int c = 0; c < b; c++) for (int p = 0; p < t; p++) flat[c * t + p] = contexts[c][p];
        using var _ = Tensor.NoGrad();
        using var ids = Tensor.FromArray(flat, b, t);
        using var act = ReadHook(ids);
        var x = _layout.Read(act, _hook);
        try
        {
            var f = _sae.Encode(x);
            if (f.IsContiguous) return f;
            using (f) return TensorOps.Contiguous(f);
        }
        finally { if (!ReferenceEquals(x, act)) x.Dispose(); }
    }

    /// <summary>The activation at the SAE's hook; the forward pass stops there (HookedTransformer.RunToHook).</summary>
    private Tensor ReadHook(Tensor ids /* [b, t] */) => _model.RunToHook(ids, _hook);   // the hook's activation [b, t, ..]

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var n in names) cmd.Parameters.Add(new SqliteParameter { ParameterName = n });
        cmd.Prepare();
        return cmd;
    }

    private static void Run(SqliteCommand cmd, params object[] values)
    {
        for (int i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
        cmd.ExecuteNonQuery();
    }
}

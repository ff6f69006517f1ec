// One batch of a latent-cache build: runs the contexts through the model (stopping at the SAE's hook) and the SAE, and
// writes the contexts, their tokens' display strings, the non-zero activations and the progress marker in one
// transaction. Not the corpus loop or resume logic (LatentCacheBuilder).
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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
    private readonly List<long> _keys = new();      // feature << 32 | pos of one context's non-zero activations
    private readonly List<float> _vals = new();

    public BatchWriter(SqliteConnection conn, HookedTransformer model, Sae sae, string hook, HookLayout layout, ITokenizer? tokenizer, CacheProgress? progress)
    {
        (_conn, _model, _sae, _hook, _layout, _tokenizer, _progress) = (conn, model, sae, hook, layout, tokenizer, progress);
    }

    public void Write(List<int[]> contexts, long firstId)
    {
        int b = contexts.Count, t = contexts[0].Length, d = _sae.DSae;
        using var acts = Encode(contexts);                                     // [b, t, d_sae]
        var data = acts.Data<float>();
        int off = acts.Offset;
        using var tx = _conn.BeginTransaction();
        using var ctxCmd = Prepare("INSERT INTO contexts(id, tokens) VALUES($id, $tokens)", "$id", "$tokens");
        using var vocabCmd = Prepare("INSERT OR IGNORE INTO vocab(id, text) VALUES($id, $text)", "$id", "$text");
        using var actIns = new ActInserter(_conn);
        long rows = 0;
        for (int c = 0; c < b; c++)
        {
            long id = firstId + c;
            Run(ctxCmd, id, CacheDb.IntsToBlob(contexts[c]));
            foreach (var tok in contexts[c])
                if (_vocabWritten.Add(tok)) Run(vocabCmd, tok, _tokenizer?.TokenToString(tok) ?? $"[{tok}]");
            _keys.Clear(); _vals.Clear();
            for (int p = 0; p < t; p++)
            {
                var row = new ReadOnlySpan<float>(data, off + (c * t + p) * d, d);
                int f = 0, vw = System.Numerics.Vector<float>.Count;
                for (; f <= row.Length - vw; f += vw)                          // SAE rows are mostly zeros: skip a vector at a time
                {
                    if (System.Numerics.Vector.EqualsAll(new System.Numerics.Vector<float>(row.Slice(f, vw)), System.Numerics.Vector<float>.Zero)) continue;
                    for (int j = f; j < f + vw; j++) if (row[j] != 0) { _keys.Add(((long)j << 32) | (uint)p); _vals.Add(row[j]); }
                }
                for (; f < row.Length; f++) if (row[f] != 0) { _keys.Add(((long)f << 32) | (uint)p); _vals.Add(row[f]); }
            }
            var keys = _keys.ToArray(); var vals = _vals.ToArray();
            Array.Sort(keys, vals);                                           // primary-key order: appends, not scattered inserts
            actIns.Insert(id, keys, vals);
            rows += keys.Length;
        }
        long done = firstId + b;
        CacheDb.SetMeta(_conn, "contexts_done", done);
        CacheDb.SetMeta(_conn, "tokens_done", done * t);
        CacheDb.SetMeta(_conn, "activations", CacheDb.GetMetaLong(_conn, "activations") + rows);
        _progress?.Invoke(new CacheProgressEvent(CacheStage.BatchWritten, done, -1));
        tx.Commit();
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

    /// <summary>Appends one context's rows through SQLite's C API: bind by index and step, without the per-row
    /// parameter-name lookups and boxing of SqliteCommand (the insert is most of a batch's database time).</summary>
    private sealed class ActInserter : IDisposable
    {
        private readonly sqlite3_stmt _stmt;
        private readonly sqlite3 _db;

        public ActInserter(SqliteConnection conn)
        {
            _db = conn.Handle!;
            Check(raw.sqlite3_prepare_v2(_db, "INSERT INTO acts(context, feature, pos, value) VALUES(?, ?, ?, ?)", out _stmt));
        }

        public void Insert(long context, long[] keys, float[] vals)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                Check(raw.sqlite3_bind_int64(_stmt, 1, context));
                Check(raw.sqlite3_bind_int(_stmt, 2, (int)(keys[i] >> 32)));
                Check(raw.sqlite3_bind_int(_stmt, 3, (int)(keys[i] & 0xffffffff)));
                Check(raw.sqlite3_bind_double(_stmt, 4, vals[i]));
                int rc = raw.sqlite3_step(_stmt);
                raw.sqlite3_reset(_stmt);
                if (rc != raw.SQLITE_DONE) Check(rc);
            }
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc);
        }

        public void Dispose() => _stmt.Dispose();
    }

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

// A small latent-cache setting for tests: gpt2-tiny, a seeded standard SAE whose biases make some features dead, some
// fire everywhere and the rest in between, seeded random-id contexts written as an --ids file, and a brute-force scan
// (the model and SAE run over every context in memory) that the cache is checked against.
using System.Globalization;
using Interp.Dictionaries.Cache;
using Interp.Models;
using Interp.Tensors;
using Microsoft.Data.Sqlite;
using static Interp.Dictionaries.Tests.TestSupport;

namespace Interp.Dictionaries.Tests.Cache;

public sealed class CacheTestData : IDisposable
{
    public const string Hook = "blocks.0.hook_resid_post";
    public const int DSae = 24, Contexts = 22, ContextLength = 16;
    /// <summary>Features forced off (bias -100) and on everywhere (bias +100): the dead and the dense path.</summary>
    public const int DeadFeature = 3, DenseFeature = 7;

    public TempDir Tmp { get; } = new();
    public string ModelDir { get; } = FixtureDir("gpt2-tiny");
    public string SaeDir { get; }
    public string IdsPath { get; }
    public long[][] ContextIds { get; }
    public HookedTransformer Model { get; } = Gpt2Tiny();
    public Sae Sae { get; }

    public CacheTestData(ulong seed = 11)
    {
        Sae = Random(Cfg("standard", 64, DSae, hook: Hook), seed);
        var b = Sae.BEnc.Data<float>();
        b[Sae.BEnc.Offset + DeadFeature] = -100;
        b[Sae.BEnc.Offset + DenseFeature] = 100;
        for (int f = 12; f < DSae; f++) b[Sae.BEnc.Offset + f] -= 0.4f;   // sparser features, so contexts without them exist
        SaeDir = Tmp.Sub("sae");
        Sae.Save(SaeDir);
        var rng = new Rng(seed + 1);
        ContextIds = Enumerable.Range(0, Contexts).Select(_ => Enumerable.Range(0, ContextLength).Select(_ => (long)rng.NextInt(101)).ToArray()).ToArray();
        IdsPath = Tmp.File("ids.json");
        File.WriteAllText(IdsPath, "[" + string.Join(",\n", ContextIds.Select(r => "[" + string.Join(", ", r) + "]")) + "]");
    }

    public CacheInputs Inputs => CacheInputs.FromDirectories(ModelDir, SaeDir);

    public Corpus Corpus() => Interp.Dictionaries.Cache.Corpus.Ids(IdsPath, 101);

    public static LatentCacheOptions Options(int batch = 4) =>
        new(ContextLength: ContextLength, BatchSize: batch, TopK: 5, Quantiles: 4, PerQuantile: 3, RandomNegatives: 4, Window: 6, Seed: 5,
            HistogramBins: 7, FinalizeChunk: 5);

    public CacheBuildResult Build(string path, LatentCacheOptions? o = null, CacheProgress? progress = null) =>
        LatentCacheBuilder.Build(path, Model, Sae, Corpus(), Inputs, o ?? Options(), null, progress);

    /// <summary>acts[context][pos][feature], from the model and SAE run over the contexts in batches of
    /// <paramref name="batch"/>, as the build runs them, so the float32 values are bitwise the ones stored (what is under
    /// test is the cache's storage and queries, not the GEMM's rounding for other batch shapes).</summary>
    public float[][][] BruteForce(int batch)
    {
        var acts = new float[Contexts][][];
        using var _ = Tensor.NoGrad();
        for (int start = 0; start < Contexts; start += batch)
        {
            int n = Math.Min(batch, Contexts - start);
            using var ids = Ids(ContextIds.Skip(start).Take(n).ToArray());
            var (logits, cache) = Model.RunWithCache(ids, h => h == Hook);
            using (logits)
            using (cache)
            using (var f = Sae.Encode(cache[Hook]))
            {
                var d = f.ToArray();
                for (int c = 0; c < n; c++)
                {
                    acts[start + c] = new float[ContextLength][];
                    for (int p = 0; p < ContextLength; p++) acts[start + c][p] = d.AsSpan((c * ContextLength + p) * DSae, DSae).ToArray();
                }
            }
        }
        return acts;
    }

    /// <summary>Every row of every table in a fixed order (meta without the creation time and the input paths).</summary>
    public static List<string> Dump(string path)
    {
        var rows = new List<string>();
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        conn.Open();
        foreach (var (table, order) in new[] { ("meta", "key"), ("contexts", "id"), ("vocab", "id"), ("features", "feature") })
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {table} ORDER BY {order}";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var cells = Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "null"
                    : r.GetValue(i) is byte[] b ? Convert.ToHexString(b) : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)).ToArray();
                if (table == "meta" && cells[0] == "created_utc") continue;
                rows.Add(table + "|" + string.Join("|", cells));
            }
        }
        return rows;
    }

    public void Dispose()
    {
        Sae.Dispose();
        Tmp.Dispose();
    }
}

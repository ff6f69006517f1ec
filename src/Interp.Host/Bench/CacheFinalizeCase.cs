// latentcache_finalize_english_small_{1m|100k}: the latent cache at labeling scale. Setup builds a cache of the embedded
// english-small model and its SAE (blocks.2, 2,048 features, top-24) over the held-out English text, repeated to 1M tokens
// (100K under --quick), and records build tokens/s and bytes per stored activation (file size after finalize /
// activations); it exports the activations (`cache export`) and runs the NumPy reference pass
// (scripts/bench/cache_finalize_reference.py) in the same sitting, checking that its results equal the cache's. Each
// timed iteration is one full finalize (a new seed, so it recomputes).
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Bench;

public sealed class CacheFinalizeCase(bool inQuickRun) : IBenchCase
{
    private const string ModelDir = "evals/models/english-small", SaeDir = "evals/saes/english-small-resid2-topk", Text = "evals/data/english/heldout.txt.gz";
    private const string Reference = "scripts/bench/cache_finalize_reference.py";
    private int _tokens;
    private string _tmp = "", _path = "";
    private LatentCacheOptions _options = new();
    private ulong _seed;
    private CacheBuildResult? _build;
    private long _bytes;
    private JsonElement? _reference;
    private string _referenceNote = "";
    private bool? _agrees;

    public string Name => $"latentcache_finalize_english_small_{(_tokens >= 1_000_000 ? $"{_tokens / 1_000_000}m" : $"{_tokens / 1000}k")}";
    public bool InQuickRun => inQuickRun;
    public double MinSeconds => 2.0;

    public CacheFinalizeCase Configure(bool quick)
    {
        _tokens = quick ? 100_000 : 1_000_000;
        return this;
    }

    public void Setup(BenchContext ctx)
    {
        Configure(ctx.Quick);
        string root = RepoRoot();
        _tmp = Directory.CreateTempSubdirectory("interp-bench-cache-").FullName;
        _path = Path.Combine(_tmp, "cache.db");
        using var model = ModelLoader.Load(Path.Combine(root, ModelDir));
        using var sae = Sae.Load(Path.Combine(root, SaeDir));
        var tokenizer = TokenizerLoader.Load(Path.Combine(root, ModelDir));

        // the held-out text as one string, tokenized once and repeated to the corpus size
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(root, Text)), CompressionMode.Decompress))
        using (var reader = new StreamReader(gz))
        {
            var ids = tokenizer.Encode(reader.ReadToEnd());
            string idsPath = Path.Combine(_tmp, "ids.txt");
            using (var w = new StreamWriter(idsPath))
                for (int i = 0; i < _tokens; i++) { w.Write(ids[i % ids.Length]); w.Write(i % 64 == 63 ? '\n' : ' '); }
            _build = LatentCacheBuilder.Build(_path, model, sae, Corpus.Ids(idsPath, model.Config.DVocab),
                CacheInputs.FromDirectories(Path.Combine(root, ModelDir), Path.Combine(root, SaeDir)), _options, tokenizer);
        }
        _bytes = new FileInfo(_path).Length + (File.Exists(_path + "-wal") ? new FileInfo(_path + "-wal").Length : 0);
        RunReference(root);
    }

    /// <summary>Exports the activations and runs the NumPy pass (3 timed passes after a warm-up); its results are compared
    /// with the cache's (count, max, mean, histogram, quantile bins, top contexts with peak position and value).</summary>
    private void RunReference(string root)
    {
        string npy = Path.Combine(_tmp, "npy"), results = Path.Combine(_tmp, "reference.json");
        using (var cache = LatentCache.Open(_path)) CacheExport.WriteNpy(cache, npy);
        var o = _options;
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(root, Reference), npy, "--top", $"{o.TopK}", "--quantiles", $"{o.Quantiles}", "--per-quantile",
                     $"{o.PerQuantile}", "--random", $"{o.RandomNegatives}", "--window", $"{o.Window}", "--histogram-bins", $"{o.HistogramBins}",
                     "--repeat", "3", "--out", results })
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { _referenceNote = $"reference failed: {stderr.Trim().Split('\n').Last()}"; return; }
            _reference = JsonDocument.Parse(stdout.Result.Trim().Split('\n').Last()).RootElement.Clone();
        }
        catch (System.ComponentModel.Win32Exception e) { _referenceNote = $"no /usr/bin/python3 ({e.Message}); apt-get install -y python3-numpy"; return; }
        using var doc = JsonDocument.Parse(File.ReadAllText(results));
        _agrees = Agrees(doc.RootElement);
        Directory.Delete(npy, recursive: true);
    }

    private bool Agrees(JsonElement r)
    {
        using var cache = LatentCache.Open(_path);
        for (int f = 0; f < cache.FeatureCount; f++)
        {
            var c = cache.Feature(f);
            var top = r.GetProperty("top")[f].EnumerateArray().Select(e => (e[0].GetInt64(), e[1].GetInt32(), e[2].GetDouble()));
            var bins = r.GetProperty("quantile_bins")[f].EnumerateArray().Select(e => (e[0].GetInt64(), e[1].GetDouble(), e[2].GetDouble()));
            bool same = c.Count == r.GetProperty("count")[f].GetInt64() && c.Max == r.GetProperty("max")[f].GetDouble()
                && Math.Abs(c.Mean - r.GetProperty("mean")[f].GetDouble()) <= 1e-12 * Math.Max(1, Math.Abs(c.Mean))   // sums in another order
                && c.Histogram.Counts.SequenceEqual(r.GetProperty("histogram")[f].EnumerateArray().Select(e => e.GetInt64()))
                && c.QuantileBins.Select(b => (b.Count, b.Low, b.High)).SequenceEqual(bins)
                && c.TopExamples.Select(e => (e.ContextId, e.PeakPosition, e.PeakValue)).SequenceEqual(top);
            if (!same) { _referenceNote = $"feature {f} differs from the reference"; return false; }
        }
        return true;
    }

    public void Run() => LatentCacheBuilder.Finalize(_path, _options with { Seed = ++_seed });

    public void AddMetrics(double s, BenchRecord r)
    {
        var b = _build!;
        r.Add("tokens", b.Tokens).Add("activations", b.Activations)
         .Add("build_tokens_per_s", Math.Round(b.Tokens / b.BuildSeconds, 1))
         .Add("bytes_per_activation", Math.Round((double)_bytes / b.Activations, 2))
         .Add("file_bytes", _bytes)
         .Add("finalize_seconds", Math.Round(s, 3))
         .Add("first_finalize_seconds", Math.Round(b.FinalizeSeconds, 3));
        if (_reference is { } re)
        {
            var secs = re.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
            double median = secs[secs.Length / 2];
            r.Add("reference_seconds", median).Add("reference_load_seconds", re.GetProperty("load_seconds").GetDouble())
             .Add("reference_over_finalize", Math.Round(median / s, 2)).Add("reference_agrees", _agrees ?? false);
        }
        if (_referenceNote.Length > 0) r.Add("reference_note", _referenceNote);
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, ModelDir))) return d.FullName;
        throw new DirectoryNotFoundException($"run the cache bench from the repository (no {ModelDir} above '{Directory.GetCurrentDirectory()}').");
    }

    public void Dispose()
    {
        if (_tmp.Length > 0 && Directory.Exists(_tmp)) Directory.Delete(_tmp, recursive: true);
    }
}

// `interp cache build`: runs a model + SAE over a corpus (text tokenized with the model folder's tokenizer, or token ids)
// into a resumable SQLite latent cache and finalizes it; `interp cache show --feature N`: a feature's statistics,
// histogram and example windows for people (text) or tools (--json); `interp cache export`: the stored activations as
// NumPy files. The cache itself is Interp.Dictionaries/Cache.
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics;
using System.Text.Json;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Commands;

public static class CacheCommand
{
    public static Command Create()
    {
        var cmd = new Command("cache", "Latent cache: top-activating contexts, quantile samples and densities of every SAE feature over a corpus.");
        cmd.Subcommands.Add(CreateBuild());
        cmd.Subcommands.Add(CreateShow());
        cmd.Subcommands.Add(CreateExport());
        return cmd;
    }

    private static Command CreateBuild()
    {
        var d = new LatentCacheOptions();
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint folder (config.json + model.safetensors; tokenizer.json for --corpus).", Required = true };
        var sae = new Option<string>("--sae") { Description = "SAELens SAE folder (cfg.json + sae_weights.safetensors), read at its hook_name.", Required = true };
        var corpus = new Option<string?>("--corpus") { Description = "UTF-8 text file, tokenized with the model folder's tokenizer (no special tokens)." };
        var ids = new Option<string?>("--ids") { Description = "Token ids instead of text: JSON arrays ([[5, 17], [3]]) or whitespace-separated ids." };
        var outPath = new Option<string>("--out") { Description = "Cache file (SQLite) to create, or to resume when it exists.", Required = true };
        var context = new Option<int>("--context") { Description = "Tokens per context; the corpus token stream is cut into consecutive contexts.", DefaultValueFactory = _ => d.ContextLength };
        var batch = new Option<int>("--batch") { Description = "Contexts per forward pass and per committed transaction.", DefaultValueFactory = _ => d.BatchSize };
        var top = new Option<int>("--top") { Description = "Top-activating contexts kept per feature.", DefaultValueFactory = _ => d.TopK };
        var quantiles = new Option<int>("--quantiles") { Description = "Equal-count bins of each feature's non-zero activations.", DefaultValueFactory = _ => d.Quantiles };
        var perQ = new Option<int>("--per-quantile") { Description = "Samples per quantile bin.", DefaultValueFactory = _ => d.PerQuantile };
        var random = new Option<int>("--random") { Description = "Random contexts per feature where it never fires.", DefaultValueFactory = _ => d.RandomNegatives };
        var window = new Option<int>("--window") { Description = "Tokens stored around each example's peak.", DefaultValueFactory = _ => d.Window };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the quantile samples and random negatives.", DefaultValueFactory = _ => d.Seed };
        var bins = new Option<int>("--histogram-bins") { Description = "Linear histogram bins over [0, max] per feature.", DefaultValueFactory = _ => d.HistogramBins };
        var cmd = new Command("build", "Build (or resume) a latent cache of an SAE's features over a corpus, then finalize it. Prints a JSON summary.")
            { model, sae, corpus, ids, outPath, context, batch, top, quantiles, perQ, random, window, seed, bins };
        cmd.Action = new ExitTwoOnParseErrors(r => Build(Need(r, model), Need(r, sae), r.GetValue(corpus), r.GetValue(ids), Need(r, outPath),
            new LatentCacheOptions(r.GetValue(context), r.GetValue(batch), r.GetValue(top), r.GetValue(quantiles), r.GetValue(perQ),
                r.GetValue(random), r.GetValue(window), r.GetValue(seed), r.GetValue(bins))));
        return cmd;
    }

    private static Command CreateShow()
    {
        var cache = new Option<string>("--cache") { Description = "Latent cache file made by `interp cache build`.", Required = true };
        var feature = new Option<int>("--feature") { Description = "Feature index (0..d_sae-1).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the feature record as JSON instead of text." };
        var cmd = new Command("show", "Print one feature's statistics, histogram and top / quantile / random-negative contexts.") { cache, feature, json };
        cmd.Action = new ExitTwoOnParseErrors(r => Show(Need(r, cache), r.GetValue(feature),
            r.GetValue(json), Console.Out));
        return cmd;
    }

    private static Command CreateExport()
    {
        var cache = new Option<string>("--cache") { Description = "Latent cache file made by `interp cache build`.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder for context.npy, position.npy, feature.npy, value.npy, tokens.npy and meta.json.", Required = true };
        var cmd = new Command("export", "Write the cache's stored activations (one entry per non-zero activation) and token ids as NumPy .npy files.") { cache, outDir };
        cmd.Action = new ExitTwoOnParseErrors(r => Export(Need(r, cache), Need(r, outDir)));
        return cmd;
    }

    public static int Export(string cachePath, string outDir)
    {
        if (File.Exists(outDir)) throw new CliException($"--out '{outDir}' is a file; pass a folder for the .npy files.");
        using var cache = IoErrors(cachePath, () => LatentCache.Open(cachePath));
        long n = IoErrors(outDir, () => CacheExport.WriteNpy(cache, outDir));
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            { ["out"] = Path.GetFullPath(outDir), ["contexts"] = cache.Info.Contexts, ["activations"] = n }));
        return 0;
    }

    /// <summary>I/O failures of the cache (lock held by another process, permissions, disk full) as one `error:` line
    /// naming the path; the typed exceptions keep their own clear messages.</summary>
    private static T IoErrors<T>(string path, Func<T> body)
    {
        try { return body(); }
        catch (LatentCacheInUseException e) { throw new CliException(e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not (FileNotFoundException or DirectoryNotFoundException))
        {
            throw new CliException($"'{path}': {e.Message.TrimEnd('.')} (what is committed so far is kept; fix the cause and re-run to resume).");
        }
    }

    public static int Build(string modelDir, string saeDir, string? corpusPath, string? idsPath, string outPath, LatentCacheOptions options)
    {
        if ((corpusPath is null) == (idsPath is null)) throw new CliException("give exactly one of --corpus FILE (text) and --ids FILE (token ids).");
        options.Validate();
        using var m = ModelLoader.Load(modelDir);
        using var s = Sae.Load(saeDir);
        Tokenizer? tokenizer = HasTokenizer(modelDir) ? TokenizerLoader.Load(modelDir) : null;
        Corpus corpus;
        if (corpusPath is not null)
        {
            if (tokenizer is null)
                throw new CliException($"--corpus needs a tokenizer in the model folder '{modelDir}' (tokenizer.json, or vocab.json + merges.txt); " +
                    "or pass token ids with --ids.");
            corpus = Corpus.Text(corpusPath, tokenizer);
        }
        else corpus = Corpus.Ids(idsPath!, m.Config.DVocab);

        var progress = new ProgressPrinter(options.ContextLength);
        CacheBuildResult r;
        try { r = IoErrors(outPath, () => LatentCacheBuilder.Build(outPath, m, s, corpus, CacheInputs.FromDirectories(modelDir, saeDir), options, tokenizer, progress.On)); }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new CliException($"writing the cache '{outPath}' failed: {e.Message} (what is committed so far is kept; re-run to resume).");
        }
        long newTokens = r.NewContexts * options.ContextLength;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["out"] = Path.GetFullPath(outPath), ["contexts"] = r.Contexts, ["tokens"] = r.Tokens, ["activations"] = r.Activations,
            ["new_contexts"] = r.NewContexts, ["tail_tokens_dropped"] = r.TailTokens < 0 ? null : r.TailTokens,
            ["build_seconds"] = Math.Round(r.BuildSeconds, 3), ["tokens_per_s"] = r.NewContexts == 0 ? null : Math.Round(newTokens / r.BuildSeconds, 1),
            ["finalize_seconds"] = Math.Round(r.FinalizeSeconds, 3),
        }));
        return 0;
    }

    public static int Show(string cachePath, int feature, bool json, TextWriter stdout)
    {
        using var cache = IoErrors(cachePath, () => LatentCache.Open(cachePath));
        var f = cache.Feature(feature);
        if (json) stdout.WriteLine(CacheView.Json(cache.Info, f));
        else CacheView.Text(cache.Info, f, stdout, color: ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected);
        return 0;
    }

    private static bool HasTokenizer(string dir) =>
        File.Exists(Path.Combine(dir, "tokenizer.json")) || (File.Exists(Path.Combine(dir, "vocab.json")) && File.Exists(Path.Combine(dir, "merges.txt")));

    private static string Need(ParseResult r, Option<string> o) =>
        r.GetValue(o) is { Length: > 0 } v ? v : throw new CliException($"{o.Name} is required.");

    /// <summary>Prints build progress to stderr at most every two seconds (stdout stays one JSON line).</summary>
    private sealed class ProgressPrinter(int contextLength)
    {
        private readonly Stopwatch _sw = Stopwatch.StartNew();
        private double _last = -10;

        public void On(CacheProgressEvent e)
        {
            bool end = e.Stage is CacheStage.CorpusDone or CacheStage.Finalized;
            if (e.Stage is not (CacheStage.BatchCommitted or CacheStage.FeaturesCommitted) && !end) return;
            if (!end && _sw.Elapsed.TotalSeconds - _last < 2) return;
            _last = _sw.Elapsed.TotalSeconds;
            Console.Error.WriteLine(e.Stage is CacheStage.BatchCommitted or CacheStage.CorpusDone
                ? $"cache: {e.Done:N0} contexts ({e.Done * contextLength:N0} tokens) stored{(end ? ", corpus done" : "")}"
                : $"cache: finalized {e.Done:N0}/{e.Total:N0} features");
        }
    }

    /// <summary>Runs the body even when parsing failed, so that bad arguments exit with code 2 and one `error:` line
    /// like every other bad input (System.CommandLine's own parse-error action exits with 1 and prints help).</summary>
    private sealed class ExitTwoOnParseErrors(Func<ParseResult, int> body) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult r)
        {
            var errors = r.Errors.Select(e => e.Message.TrimEnd('.')).ToList();
            if (r.UnmatchedTokens.Count > 0) errors.Add($"unrecognized argument(s): {string.Join(" ", r.UnmatchedTokens)}");
            if (errors.Count > 0)
            {
                Console.Error.WriteLine($"error: {string.Join("; ", errors)} (see --help).");
                return 2;
            }
            return CliErrors.Guard(() => body(r));
        }
    }
}

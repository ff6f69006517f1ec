// `interp label`: a resumable labeling run (explain and score SAE features) into a run store, with a progress bar, a
// table of the results and an HTML report; `interp label show` prints one feature's record; `interp label report`
// writes the report of a run store. With no --model/--sae/--cache/--corpus it labels the embedded default
// (english-small-resid2-topk over the held-out English text), building its latent cache on the fly.
using System.CommandLine;
using System.IO.Compression;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Agent.Labeling.LlmPath;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Labeling.Report;
using Interp.Agent.Labeling.Store;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Index;
using Interp.Index.Records;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Commands;

public static class LabelCommand
{
    public const string DefaultCorpus = "evals/data/english/heldout.txt.gz";

    public static Command Create()
    {
        var d = new ExampleOptions();
        var model = new Option<string>("--model") { Description = $"Model folder (default: {InspectCommand.DefaultModel}).", DefaultValueFactory = _ => InspectCommand.DefaultModel };
        var sae = new Option<string?>("--sae") { Description = $"SAE folder (default with the default model: {InspectCommand.DefaultSae})." };
        var cache = new Option<string?>("--cache") { Description = "Latent cache built from this model and SAE (`interp cache build`)." };
        var corpus = new Option<string?>("--corpus") { Description = $"Instead of --cache: text (.txt or .txt.gz) or token ids (.json) to build the cache from (default with the default model: {DefaultCorpus})." };
        var cacheOut = new Option<string?>("--cache-out") { Description = "Where --corpus builds its cache (default: next to --out, <out>.cache.db); an unfinished one resumes." };
        var features = new Option<string>("--features") { Description = "Features to label: all, or indices and ranges such as 0-99,120.", DefaultValueFactory = _ => "all" };
        var explainer = new Option<string>("--explainer") { Description = "offline (deterministic, from the cache and weights) or llm.", DefaultValueFactory = _ => LabelingComponents.OfflineExplainerKind };
        var scorers = new Option<string>("--scorers") { Description = "Comma list of simulation, embedding, detection, fuzzing.", DefaultValueFactory = _ => string.Join(",", LabelingRequest.DefaultScorers) };
        var shuffled = new Option<string?>("--shuffled") { Description = "Scorers also run on another feature's examples (sanity check); 'none' for none (default: simulation and embedding when run)." };
        var clusters = new Option<int>("--clusters") { Description = "Multi-concept labels: k-means over MiniLM embeddings of the top examples, one label per cluster (0 = off).", DefaultValueFactory = _ => 0 };
        var window = new Option<int>("--window") { Description = "Tokens per example window.", DefaultValueFactory = _ => d.Window };
        var explainTop = new Option<int>("--explain-top") { Description = "Top-activating windows in the explain set.", DefaultValueFactory = _ => d.ExplainTop };
        var explainQ = new Option<int>("--explain-quantile") { Description = "Quantile-sampled windows in the explain set.", DefaultValueFactory = _ => d.ExplainQuantile };
        var scoreTop = new Option<int>("--score-top") { Description = "Top-activating windows in the score set.", DefaultValueFactory = _ => d.ScoreTop };
        var scoreQ = new Option<int>("--score-quantile") { Description = "Quantile-sampled windows in the score set.", DefaultValueFactory = _ => d.ScoreQuantile };
        var scoreRandom = new Option<int>("--score-random") { Description = "Non-activating random windows in the score set.", DefaultValueFactory = _ => d.ScoreRandom };
        var hard = new Option<int>("--hard-negatives") { Description = "Windows where decoder-similar features fire and this one does not, in the score set.", DefaultValueFactory = _ => d.HardNegatives };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every random choice (same seed, same sets and intervals).", DefaultValueFactory = _ => d.Seed };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples of each 95 % interval.", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Features labeled at once.", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var budget = new Option<double?>("--budget") { Description = "Stop LLM stages once the run has cost this many USD (offline runs cost nothing)." };
        var outPath = new Option<string>("--out") { Description = "Run store (SQLite) to create, or to resume when it exists.", Required = true };
        var report = new Option<string?>("--report") { Description = "HTML report to write at the end (default: <out>.html; 'none' to skip)." };
        var rows = new Option<int>("--rows") { Description = "Rows of the results table printed at the end.", DefaultValueFactory = _ => 60 };
        var llmConfig = new Option<string?>("--config") { Description = "With --explainer llm: appsettings.json holding the Llm section (default: ./appsettings.json, else the one beside the executable)." };
        var style = new Option<string>("--prompt-style") { Description = "With --explainer llm: explainer prompt layout, openai (token<TAB>0-10 lines) or delphi (<<marked>> tokens).", DefaultValueFactory = _ => ExplainerStyles.OpenAi };
        var samples = new Option<int>("--samples") { Description = "With --explainer llm: explanations asked for per feature (each is scored).", DefaultValueFactory = _ => 1 };
        var bestOf = new Option<bool>("--best-of") { Description = "With --explainer llm and --samples N: keep the sample that simulates the explain set best." };
        var simulator = new Option<string?>("--simulator") { Description = $"With --explainer llm: {string.Join(" | ", SimulatorCapabilities.All)} (default: the best the capability probe of the simulator role finds)." };
        var indexTo = new Option<string?>("--index") { Description = "After the run, index its FeatureRecords into this embedded index file (as `interp index --run`)." };
        var judgeBatch = new Option<int>("--judge-batch") { Description = "With --explainer llm: examples per detection/fuzzing call.", DefaultValueFactory = _ => 5 };
        var cmd = new Command("label", "Label SAE features (explain + score), resumably, into a run store; prints a table and writes an HTML report.")
        {
            model, sae, cache, corpus, cacheOut, features, explainer, scorers, shuffled, clusters, window, explainTop, explainQ, scoreTop, scoreQ,
            scoreRandom, hard, seed, resamples, concurrency, budget, outPath, report, rows, llmConfig, style, samples, bestOf, simulator, judgeBatch, indexTo,
        };
        cmd.SetAction(async (r, ct) => await Guard(async () =>
        {
            var examples = new ExampleOptions(r.GetValue(window), r.GetValue(explainTop), r.GetValue(explainQ), r.GetValue(scoreTop), r.GetValue(scoreQ),
                r.GetValue(scoreRandom), r.GetValue(hard), Seed: r.GetValue(seed));
            var sh = r.GetValue(shuffled);
            return await Run(r.GetValue(model)!, r.GetValue(sae), r.GetValue(cache), r.GetValue(corpus), r.GetValue(cacheOut), r.GetValue(outPath)!,
                new LabelingRequest("", "", "", "", r.GetValue(features)!, r.GetValue(explainer)!, List(r.GetValue(scorers)),
                    sh is null ? null : sh == "none" ? [] : List(sh), examples, null, r.GetValue(clusters), r.GetValue(resamples),
                    new RunOptions(r.GetValue(concurrency), r.GetValue(budget))),
                r.GetValue(report), r.GetValue(rows), ct,
                new LlmLabelingSettings(new LlmExplainerOptions(r.GetValue(style)!, r.GetValue(samples), r.GetValue(bestOf)), r.GetValue(simulator), r.GetValue(judgeBatch)),
                r.GetValue(llmConfig), r.GetValue(indexTo));
        }));
        cmd.Subcommands.Add(CreateShow());
        cmd.Subcommands.Add(CreateReport());
        return cmd;
    }

    private static Command CreateShow()
    {
        var run = new Option<string>("--run") { Description = "Run store made by `interp label`.", Required = true };
        var feature = new Option<int>("--feature") { Description = "Feature index.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the FeatureRecord as JSON." };
        var cmd = new Command("show", "Print one feature's labeling record (labels, scores with intervals, failures, evidence).") { run, feature, json };
        cmd.SetAction(async (r, _) => await Guard(() => Task.FromResult(Show(r.GetValue(run)!, r.GetValue(feature), r.GetValue(json), Console.Out))));
        return cmd;
    }

    private static Command CreateReport()
    {
        var run = new Option<string>("--run") { Description = "Run store made by `interp label`.", Required = true };
        var outPath = new Option<string>("--out") { Description = "HTML file to write.", Required = true };
        var detail = new Option<int>("--detail") { Description = "Features with example sections (the first N).", DefaultValueFactory = _ => 200 };
        var cmd = new Command("report", "Write a self-contained HTML report of a labeling run (score distributions, real vs shuffled, per-feature evidence).") { run, outPath, detail };
        cmd.SetAction(async (r, _) => await Guard(() =>
        {
            using var store = RunStore.OpenRead(r.GetValue(run)!);
            LabelReport.Write(store, r.GetValue(outPath)!, r.GetValue(detail));
            Console.WriteLine(Path.GetFullPath(r.GetValue(outPath)!));
            return Task.FromResult(0);
        }));
        return cmd;
    }

    public static async Task<int> Run(string modelDir, string? saeDir, string? cachePath, string? corpusPath, string? cacheOut, string outPath,
        LabelingRequest settings, string? reportPath, int rows, CancellationToken ct, LlmLabelingSettings? llmSettings = null, string? llmConfig = null, string? indexPath = null)
    {
        bool defaultModel = modelDir == InspectCommand.DefaultModel;
        saeDir ??= defaultModel ? InspectCommand.DefaultSae : throw new CliException("--sae is required with --model (the SAE folder whose features to label).");
        if (cachePath is not null && corpusPath is not null) throw new CliException("give --cache or --corpus, not both.");
        if (cachePath is null && corpusPath is null)
            corpusPath = defaultModel ? DefaultCorpus : throw new CliException("give --cache (a latent cache of this model and SAE) or --corpus (text to build one from).");
        if (cachePath is null)
        {
            cachePath = cacheOut ?? Path.ChangeExtension(outPath, null) + ".cache.db";
            BuildCache(modelDir, saeDir, corpusPath!, cachePath);
        }
        settings = settings with { ModelDir = modelDir, SaeDir = saeDir, CachePath = cachePath, OutPath = outPath };
        using var llm = settings.Explainer == LabelingComponents.LlmExplainerKind
            ? new LlmClient(LlmOptionsLoader.FromAppSettings(LlmCommand.ResolveConfig(llmConfig))) : null;
        Func<RunManifest, LabelingComponents>? components = null;
        if (llm is not null)
        {
            // one ledger scope per run store: a resumed run continues the same one (and its response cache)
            components = await LlmComponents.PrepareAsync(llm, LlmComponents.LedgerRunId(outPath), llmSettings ?? new LlmLabelingSettings(new LlmExplainerOptions()),
                settings.Scorers ?? LabelingRequest.DefaultScorers, ct: ct);
            settings = settings with { LlmModel = llm.ModelOf(LlmRole.Explainer) };
        }
        using var job = LabelingJob.Prepare(settings, components: components);
        var bar = new ProgressBar();
        var final = await job.RunAsync(new SyncProgress(bar.On), ct);
        bar.Finish(final);
        var records = job.Store.ReadRecords();
        LabelView.Table(job.Store, records, rows, Console.Out);
        LabelView.Failures(records, Console.Out);
        if (llm is not null) LabelView.Circuits(llm.Circuits(), Console.Out);
        if (reportPath != "none")
        {
            reportPath ??= Path.ChangeExtension(outPath, null) + ".html";
            LabelReport.Write(job.Store, reportPath);
            Console.WriteLine($"report: {Path.GetFullPath(reportPath)}");
        }
        Console.WriteLine($"run store: {job.Store.Path}");
        if (indexPath is not null)
            await IndexCommand.Execute(RunStoreRecordSource.Open(job.Store.Path, out _), [saeDir], IndexOptions.BackendEmbedded, indexPath, json: false);
        return 0;
    }

    /// <summary>Builds (or resumes, or reuses) the latent cache of --corpus; a .gz text is unpacked beside the cache first.</summary>
    private static void BuildCache(string modelDir, string saeDir, string corpusPath, string cachePath)
    {
        if (!File.Exists(corpusPath)) throw new CliException($"--corpus '{corpusPath}' does not exist.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cachePath))!);
        var m = ModelLoader.Load(modelDir);
        using var s = Sae.Load(saeDir);
        var inputs = CacheInputs.FromDirectories(modelDir, saeDir);
        if (File.Exists(cachePath))
        {
            using var existing = LatentCache.Open(cachePath);
            if (existing.Info.Finalized && existing.Info.Meta.GetValueOrDefault("sae_fingerprint") == inputs.SaeFingerprint
                && existing.Info.Meta.GetValueOrDefault("model_fingerprint") == inputs.ModelFingerprint) return;
        }
        string path = corpusPath;
        if (corpusPath.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            path = cachePath + ".corpus.txt";
            using var src = new GZipStream(File.OpenRead(corpusPath), CompressionMode.Decompress);
            using var dst = File.Create(path);
            src.CopyTo(dst);
        }
        Corpus corpus = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Corpus.Ids(path, m.Config.DVocab)
            : Corpus.Text(path, TokenizerLoader.Load(modelDir));
        var tokenizer = File.Exists(Path.Combine(modelDir, "tokenizer.json")) ? TokenizerLoader.Load(modelDir) : null;
        Console.Error.WriteLine($"label: building the latent cache {cachePath} from {corpusPath} ...");
        var r = LatentCacheBuilder.Build(cachePath, m, s, corpus, inputs, new LatentCacheOptions(ContextLength: Math.Min(64, m.Config.NCtx)), tokenizer);
        Console.Error.WriteLine($"label: cache ready: {r.Contexts:N0} contexts, {r.Tokens:N0} tokens ({r.BuildSeconds + r.FinalizeSeconds:F1} s)");
    }

    public static int Show(string runPath, int feature, bool json, TextWriter stdout)
    {
        using var store = RunStore.OpenRead(runPath);
        if (!store.Manifest.Features.Contains(feature))
            throw new CliException($"feature {feature} is not in the run '{runPath}' (it labels {LabelView.Ranges(store.Manifest.Features)}).");
        var record = store.ReadRecord(feature);
        if (json)
        {
            if (record is null) throw new CliException($"feature {feature} has no record yet (its stages are not all settled); resume the run with the same `interp label` command.");
            stdout.WriteLine(FeatureRecordJson.Serialize(record, indented: true));
            return 0;
        }
        LabelView.Feature(store, feature, record, stdout);
        return 0;
    }

    private static List<string> List(string? s) => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>CliErrors.Guard for async bodies, plus the run store's write failures (disk full) as clear errors.</summary>
    private static async Task<int> Guard(Func<Task<int>> body)
    {
        try { return await Task.Run(() => CliErrors.Guard(() => body().GetAwaiter().GetResult())); }
        catch (RunStoreWriteException e)
        {
            Console.Error.WriteLine($"\nerror: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("\nlabel: stopped; what is committed is kept, re-run the same command to resume.");
            return 130;
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress(Action<LabelingProgress> on) : IProgress<LabelingProgress>
    {
        private readonly Lock _gate = new();
        public void Report(LabelingProgress value) { lock (_gate) on(value); }
    }
}

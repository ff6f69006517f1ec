// label_offline_english_small_2048: an offline labeling run (evidence, offline explainer, simulation + embedding scores
// with their shuffled sanity scores, records) over all 2,048 features of english-small-resid2-topk, with the latent cache
// given (built in Setup from the held-out English ids, or reused from .bench/label/). Reports features per minute and the
// minutes the whole SAE takes, with the 1-minute load average so a contended measurement shows as one. Warm-up labels
// 32 features (JIT, MiniLM load); then one timed iteration labels all 2,048 into a fresh run store.
using Interp.Agent.Labeling;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Host.Commands;
using Interp.Models;

namespace Interp.Host.Bench;

public sealed class LabelOfflineCase : IBenchCase
{
    private const string Ids = "evals/data/english/heldout-ids-128x256.json";
    private string _dir = "", _cache = "";
    private int _runs, _features;
    private double _load;

    public string Name => "label_offline_english_small_2048";
    public bool InQuickRun => false;
    public double MinSeconds => 0;
    public int MinIterations => 1;

    public void Setup(BenchContext ctx)
    {
        _dir = Path.GetFullPath(Path.Combine(".bench", "label"));
        Directory.CreateDirectory(_dir);
        _cache = Path.Combine(_dir, "english-small.cache.db");
        var model = ModelLoader.Load(InspectCommand.DefaultModel);
        using var sae = Sae.Load(InspectCommand.DefaultSae);
        LatentCacheBuilder.Build(_cache, model, sae, Corpus.Ids(Ids, model.Config.DVocab),
            CacheInputs.FromDirectories(InspectCommand.DefaultModel, InspectCommand.DefaultSae), new LatentCacheOptions(ContextLength: 64),
            Interp.Models.Tokenizers.TokenizerLoader.Load(InspectCommand.DefaultModel));
    }

    public void Run()
    {
        bool warmUp = _runs++ == 0;
        var store = Path.Combine(_dir, $"run-{_runs}.db");
        foreach (var f in new[] { store, store + "-wal", store + "-shm" }) File.Delete(f);
        if (!warmUp) _load = LoadAverage();
        using var job = LabelingJob.Prepare(new LabelingRequest(InspectCommand.DefaultModel, InspectCommand.DefaultSae, _cache, store,
            warmUp ? "0-31" : "all", Run: new RunOptions(Math.Max(1, Environment.ProcessorCount))));
        var p = job.RunAsync().GetAwaiter().GetResult();
        _features = p.Done;
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record) => record
        .Add("features", _features)
        .Add("features_per_min", Math.Round(_features / (secondsPerIteration / 60), 1))
        .Add("minutes_whole_sae", Math.Round(secondsPerIteration / 60 * 2048 / Math.Max(1, _features), 2))
        .Add("goal_minutes", 10)
        .Add("scorers", string.Join(",", LabelingRequest.DefaultScorers) + " (+ shuffled)")
        .Add("concurrency", Math.Max(1, Environment.ProcessorCount))
        .Add("load_avg_1m_at_start", _load);

    private static double LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return -1; }
    }

    public void Dispose() { }
}

// label_llmpath_standin_c16_500ms: the LLM path of a labeling run (LLM explainer, chat top_logprobs simulator with its
// shuffled score, detection and fuzzing judges in batches of 5) over 64 features of english-small-resid2-topk, against
// the stand-in as a child process (`interp llm standin`, ToyStandInScript.Lean) answering every call after 500 ms, 16
// features in flight and the endpoint's limit of 16 calls in flight, fresh response cache. Within a feature the explain
// call comes first; its score stages, and the judge batches within a stage, then go out together and queue at the
// endpoint's limit. The bound is what that endpoint can serve: 16 call slots, each busy 0.5 s per call, so 32 calls/s,
// i.e. 16 × 60 / (calls per feature × 0.5 s) features per minute, where calls per feature counts the calls actually sent
// (cache hits are not calls). No feature structure can beat it; it is reached only when all 16 slots are busy all the
// time and the client, the stand-in and SQLite add nothing on top of the 500 ms. The case reports features per minute
// against it, the LLM calls and prompt tokens (stand-in pieces) per feature, the CPU seconds the stand-in process spent
// (it shares the machine's cores with the client), and where the time went: setup_seconds (client, capability probe with
// its round trips at 500 ms, job preparation; inside the timed run), labeling_seconds, the mean number of busy call slots
// during labeling and the wire seconds per call (slot-seconds / attempts, SlotMeter; 0.5 s plus what the client and the
// stand-in add under the machine's load). Warm-up: 16 other features.
using System.Diagnostics;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Labeling.LlmPath;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Scoring;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Host.Commands;
using Interp.Models;

namespace Interp.Host.Bench;

public sealed class LabelLlmCase(int features = 64, int concurrency = 16, double latencyMs = 500) : IBenchCase
{
    private const string Ids = "evals/data/english/heldout-ids-128x256.json";
    private static readonly string[] Scorers = [ScoreMethods.Simulation, ScoreMethods.Detection, ScoreMethods.Fuzzing];
    private Process? _server;
    private string _dir = "", _cache = "", _baseUrl = "";
    private int _runs, _done;
    private double _calls, _promptTokens, _completionTokens, _load, _standinCpu, _setupSeconds, _labelingSeconds, _busySeconds;
    private long _attempts;

    public string Name => $"label_llmpath_standin_c{concurrency}_{latencyMs:F0}ms";
    public bool InQuickRun => false;
    public double MinSeconds => 0;
    public int MinIterations => 1;

    public void Setup(BenchContext ctx)
    {
        _dir = Path.GetFullPath(Path.Combine(".bench", "label"));
        Directory.CreateDirectory(_dir);
        _cache = Path.Combine(_dir, "english-small.cache.db");
        var model = ModelLoader.Load(InspectCommand.DefaultModel);
        using (var sae = Sae.Load(InspectCommand.DefaultSae))
            LatentCacheBuilder.Build(_cache, model, sae, Corpus.Ids(Ids, model.Config.DVocab),
                CacheInputs.FromDirectories(InspectCommand.DefaultModel, InspectCommand.DefaultSae), new LatentCacheOptions(ContextLength: 64),
                Interp.Models.Tokenizers.TokenizerLoader.Load(InspectCommand.DefaultModel));
        string script = Path.Combine(_dir, "llm-standin.json");
        File.WriteAllText(script, ToyStandInScript.Lean());
        _server = LlmChatCase.StartStandIn(script, latencyMs);
        _baseUrl = LlmChatCase.ReadBaseUrl(_server);
    }

    public void Run()
    {
        bool warmUp = _runs++ == 0;
        string store = Path.Combine(_dir, $"llm-run-{_runs}.db"), llmStore = Path.Combine(_dir, $"llm-store-{_runs}.db");
        foreach (var f in new[] { store, llmStore }.SelectMany(p => new[] { p, p + "-wal", p + "-shm" })) File.Delete(f);
        if (!warmUp) _load = LoadAverage();
        _server!.Refresh(); var standinCpu0 = _server.TotalProcessorTime;
        var options = new LlmOptions
        {
            Endpoints = new() { ["stand-in"] = new LlmEndpointOptions { BaseUrl = _baseUrl, MaxConcurrency = concurrency, RequestTimeoutS = 60 } },
            Roles = new[] { "explainer", "simulator", "judge" }.ToDictionary(r => r, _ => new LlmRoleOptions { Endpoint = "stand-in", Model = "stand-in" }),
            Prices = new() { ["stand-in"] = new LlmPrice { InputPerMillion = 0.15, OutputPerMillion = 0.6 } },
            StorePath = llmStore,
        };
        var phase = Stopwatch.StartNew();
        using var client = new LlmClient(options);
        string runId = LlmComponents.LedgerRunId(store);
        var components = LlmComponents.PrepareAsync(client, runId, new LlmLabelingSettings(new LlmExplainerOptions()), Scorers).GetAwaiter().GetResult();
        string range = warmUp ? $"{features}-{features + 15}" : $"0-{features - 1}";
        using var job = LabelingJob.Prepare(new LabelingRequest(InspectCommand.DefaultModel, InspectCommand.DefaultSae, _cache, store, range,
            LabelingComponents.LlmExplainerKind, Scorers, [ScoreMethods.Simulation], Run: new RunOptions(concurrency), LlmModel: "stand-in"), components: components);
        var tJob = phase.Elapsed.TotalSeconds;
        var slots0 = client.SlotUse().Single();
        var p = job.RunAsync().GetAwaiter().GetResult();
        var slots1 = client.SlotUse().Single();
        double tRun = phase.Elapsed.TotalSeconds;
        (_setupSeconds, _labelingSeconds) = (tJob, tRun - tJob);
        (_attempts, _busySeconds) = (slots1.Attempts - slots0.Attempts, slots1.BusySeconds - slots0.BusySeconds);
        _server.Refresh(); _standinCpu = (_server.TotalProcessorTime - standinCpu0).TotalSeconds;
        if (warmUp) return;
        var usage = client.Ledger.Summarize(runId);
        if (usage.FailedCalls > 0) throw new InvalidOperationException($"{usage.FailedCalls} LLM calls failed ({string.Join(", ", usage.FailuresByKind)}); the benchmark is void");
        _done = p.Done;
        _calls = usage.Calls - usage.CachedCalls;
        _promptTokens = usage.Billed.PromptTokens;
        _completionTokens = usage.Billed.CompletionTokens;
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
    {
        double perFeature = _calls / Math.Max(1, _done);
        double bound = concurrency * 60 / (perFeature * latencyMs / 1000);
        double rate = _done / (secondsPerIteration / 60);
        record.Add("features", _done)
              .Add("features_per_min", Math.Round(rate, 1))
              .Add("bound_features_per_min", Math.Round(bound, 1))
              .Add("fraction_of_bound", Math.Round(rate / bound, 4))
              .Add("goal_fraction", 0.9)
              .Add("llm_calls_per_feature", Math.Round(perFeature, 2))
              .Add("prompt_tokens_per_feature", Math.Round(_promptTokens / Math.Max(1, _done), 1))
              .Add("completion_tokens_per_feature", Math.Round(_completionTokens / Math.Max(1, _done), 1))
              .Add("scorers", string.Join(",", Scorers) + " (+ simulation shuffled)")
              .Add("concurrency", concurrency)
              .Add("latency_ms", latencyMs)
              .Add("load_avg_1m_at_start", _load)
              .Add("standin_cpu_seconds", Math.Round(_standinCpu, 2))
              .Add("setup_seconds", Math.Round(_setupSeconds, 2))
              .Add("labeling_seconds", Math.Round(_labelingSeconds, 2))
              .Add("labeling_mean_busy_slots", Math.Round(_busySeconds / Math.Max(1e-9, _labelingSeconds), 2))
              .Add("wire_seconds_per_call", Math.Round(_busySeconds / Math.Max(1, _attempts), 3));
    }

    private static double LoadAverage()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return -1; }
    }

    public void Dispose()
    {
        if (_server is { HasExited: false } s) { s.Kill(); s.WaitForExit(5000); }
        _server?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}

// `tools_{top_features|ablate_features|feature_info}_english_small`: latency of one tool call after load, through the
// kernel function (argument binding, the primitive, JSON), on the shipped english-small model and SAE with a latent cache
// built in setup from the held-out corpus. One iteration is 200 calls; p50/p99 are over the last iteration's 200.
// The text is 64 tokens of the held-out corpus.
using System.Diagnostics;
using System.Text.Json;
using Interp.Agent.Tools;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Models;
using Interp.Models.Tokenizers;
using Microsoft.SemanticKernel;

namespace Interp.Host.Bench;

public sealed class ToolLatencyCase(string tool) : IBenchCase
{
    public const int Calls = 200;
    private readonly List<double> _ms = new();
    private ModelSession? _session;
    private Kernel? _kernel;
    private KernelFunction? _fn;
    private KernelArguments? _args;
    private string? _dir;
    private int _tokens;
    private double _loadSeconds;

    public string Name => $"tools_{tool}_english_small";
    public bool InQuickRun => true;
    public double MinSeconds => 0;

    public static string Root => BenchPaths.Repo;

    public void Setup(BenchContext ctx)
    {
        string model = Path.Combine(Root, "evals/models/english-small"), sae = Path.Combine(Root, "evals/saes/english-small-resid2-topk");
        _dir = Directory.CreateTempSubdirectory("interp-bench-tools-").FullName;
        string cache = Path.Combine(_dir, "cache.db"), ids = Path.Combine(Root, "evals/data/english/heldout-ids-128x256.json");
        var tok = TokenizerLoader.Load(model);
        using (var s = Sae.Load(sae))
            LatentCacheBuilder.Build(cache, ModelLoader.Load(model), s, Corpus.Ids(ids, tok.VocabSize), CacheInputs.FromDirectories(model, sae),
                new LatentCacheOptions(ContextLength: 64, BatchSize: 16), tok);
        var sw = Stopwatch.StartNew();
        _session = ModelSession.Load(new ModelSessionOptions(model, [new SaeSource(sae, cache)]));
        _kernel = InterpTools.CreateKernel(_session, ToolErrorMode.Throw);
        _loadSeconds = sw.Elapsed.TotalSeconds;
        var row = JsonSerializer.Deserialize<int[][]>(File.ReadAllText(ids))![0][..64];
        string text = tok.Decode(row);
        _tokens = tok.Encode(text, addSpecialTokens: true).Length;
        var p = new InterpPrimitives(_session);
        var top = p.TopFeaturesAsync(text, null, 2).GetAwaiter().GetResult().Overall.Select(f => f.Feature).ToArray();
        _fn = InterpTools.Functions(_kernel).Single(f => f.Name == tool);
        _args = tool switch
        {
            "top_features" => new KernelArguments { ["text"] = text, ["k"] = 5 },
            "ablate_features" => new KernelArguments { ["text"] = text, ["features"] = string.Join(",", top), ["positions"] = "-1" },
            "feature_info" => new KernelArguments { ["feature"] = top[0], ["examples"] = 5 },
            _ => throw new ArgumentException($"no latency case for tool {tool}"),
        };
    }

    public void Run()
    {
        _ms.Clear();
        for (int i = 0; i < Calls; i++)
        {
            var sw = Stopwatch.StartNew();
            var r = _kernel!.InvokeAsync(_fn!, _args).GetAwaiter().GetResult().GetValue<string>();
            _ms.Add(sw.Elapsed.TotalMilliseconds);
            if (r is null || r.Length == 0) throw new InvalidOperationException($"{tool} returned nothing");
        }
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
    {
        var s = _ms.Order().ToArray();
        double P(double p) => s[Math.Min(s.Length - 1, (int)Math.Ceiling(p * s.Length) - 1)];
        record.Add("tool", tool).Add("calls", s.Length).Add("text_tokens", _tokens).Add("p50_ms", Math.Round(P(0.50), 3)).Add("p99_ms", Math.Round(P(0.99), 3))
            .Add("max_ms", Math.Round(s[^1], 3)).Add("session_load_s", Math.Round(_loadSeconds, 3)).Add("cores", Environment.ProcessorCount);
    }

    public void Dispose()
    {
        _session?.Dispose();
        if (_dir is not null) try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

// circuit_{atp,exact}_heads_neurons_ioi{N} and circuit_atp_saefeatures_ioi{N}: attribution over every head and MLP
// neuron of the embedded toy model (evals/models/toy-small: 16 heads + 2,048 neurons) for N toy-world IOI prompt pairs
// (100; 20 with --quick), by attribution patching (one forward + backward) and by exact activation patching (one
// patched forward per node, several nodes per pass), and AtP over the features + error node of the shipped SAE.
// The exact case measures AtP on the same inputs in its setup and reports the speed-up.
using System.Diagnostics;
using Interp.Circuits;
using Interp.Dictionaries;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Bench;

public sealed class CircuitCase(string kind, bool inQuickRun) : IBenchCase
{
    private const string Model = "evals/models/toy-small", SaeDir = "evals/saes/toy-small-resid2-topk";
    private int _prompts = 100;
    private CircuitLab? _lab;
    private PromptSet? _set;
    private Sae? _sae;
    private AttributionResult? _last;
    private double _atpSeconds;

    public string Name => kind switch
    {
        "sae" => $"circuit_atp_saefeatures_ioi{_prompts}",
        _ => $"circuit_{kind}_heads_neurons_ioi{_prompts}",
    };
    public bool InQuickRun => inQuickRun;
    public double MinSeconds => kind == "exact" ? 0.0 : 2.0;

    public CircuitCase Configure(bool quick) { _prompts = quick ? 20 : 100; return this; }

    public void Setup(BenchContext ctx)
    {
        Configure(ctx.Quick);
        string root = FindRoot();
        var model = ModelLoader.Load(Path.Combine(root, Model));
        var tok = TokenizerLoader.Load(Path.Combine(root, Model));
        _set = ToyTasks.Ioi(tok, _prompts);
        if (kind == "sae") _sae = Sae.Load(Path.Combine(root, SaeDir));
        _lab = new CircuitLab(model, _sae is null ? null : new[] { _sae }, new CircuitOptions { BatchSize = 128 });
        if (kind != "atp")
        {
            // AtP over heads + neurons on the same inputs, as the reference the other cases are compared with (best of 3)
            _lab.Attribute(_set, NodeSet.HeadsAndNeurons, AttributionMethod.AtP);
            _atpSeconds = Enumerable.Range(0, 3).Min(_ =>
            {
                var sw = Stopwatch.StartNew();
                _lab.Attribute(_set, NodeSet.HeadsAndNeurons, AttributionMethod.AtP);
                return sw.Elapsed.TotalSeconds;
            });
        }
    }

    public void Run() => _last = kind switch
    {
        "atp" => _lab!.Attribute(_set!, NodeSet.HeadsAndNeurons, AttributionMethod.AtP),
        "exact" => _lab!.Attribute(_set!, NodeSet.HeadsAndNeurons, AttributionMethod.Exact),
        _ => _lab!.Attribute(_set!, NodeSet.Features, AttributionMethod.AtP),
    };

    public void AddMetrics(double s, BenchRecord r)
    {
        r.Add("prompts", _prompts).Add("nodes", _last!.NodesScored).Add("forward_passes", _last.ForwardPasses).Add("backward_passes", _last.BackwardPasses)
         .Add("ms_per_prompt", Math.Round(1000 * s / _prompts, 3));
        if (kind == "exact") r.Add("atp_seconds", _atpSeconds).Add("speedup_atp_vs_exact", Math.Round(s / _atpSeconds, 1));
        if (kind == "sae") r.Add("d_sae", _sae!.DSae).Add("hook", _sae.Cfg.HookName).Add("heads_neurons_atp_seconds", _atpSeconds)
                            .Add("cost_vs_heads_neurons_atp", Math.Round(s / _atpSeconds, 2));
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, Model))) return d.FullName;
        throw new DirectoryNotFoundException($"the circuit benchmarks need {Model} and {SaeDir}; run `interp bench` from the repository.");
    }

    public void Dispose() { _sae?.Dispose(); _lab?.Model.Dispose(); }
}

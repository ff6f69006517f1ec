// The embedded default explainer: no network, no model, deterministic. From the explain set it lists the tokens that
// carry most of the feature's activation mass (and, when concentrated, the tokens just before them), and from the
// decoder direction the tokens it promotes and suppresses through the unembedding; OfflineLabel renders that as one
// line that says it is an offline description. Not an LLM and does not pretend to be one.
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Examples;
using Interp.Index.Records;

namespace Interp.Agent.Explainers;

/// <param name="Coverage">list firing tokens until they carry this fraction of the activation mass…</param>
/// <param name="MaxTokens">…or this many are listed</param>
/// <param name="ContextCoverage">list preceding tokens only if at most MaxContextTokens of them carry this fraction</param>
/// <param name="OutputTokens">promoted and suppressed tokens listed (each)</param>
public sealed record OfflineExplainerOptions(double Coverage = 0.8, int MaxTokens = 8, double ContextCoverage = 0.5,
    int MaxContextTokens = 4, int OutputTokens = 5);

public sealed class OfflineExplainer(OfflineExplainerOptions? options = null) : IExplainer
{
    public const string ExplainerName = "offline";
    private readonly OfflineExplainerOptions _o = options ?? new();

    public string Name => ExplainerName;

    public Task<Outcome<IReadOnlyList<Explanation>>> ExplainAsync(ExplainRequest request, CancellationToken ct = default)
    {
        var active = request.Examples.Where(e => e.IsActivating).ToList();
        if (active.Count == 0)
            return Task.FromResult(Outcome<IReadOnlyList<Explanation>>.Fail(FailureKinds.NoActivations,
                $"feature {request.Feature} does not fire in any of its {request.Examples.Count} explain-set examples"));
        var label = Describe(active, request.Promoted, request.Suppressed);
        IReadOnlyList<Explanation> list = [new Explanation(label.Render(), Name, null, null, null, active.Select(e => e.ToRef()).ToList())];
        return Task.FromResult(Outcome<IReadOnlyList<Explanation>>.Ok(list));
    }

    /// <summary>The label's content from activating windows and the output side.</summary>
    public OfflineLabel Describe(IReadOnlyList<LabelingExample> active, IReadOnlyList<TokenEffect> promoted, IReadOnlyList<TokenEffect> suppressed)
    {
        var mass = new Mass();
        var before = new Mass();
        foreach (var e in active)
            for (int i = 0; i < e.Tokens.Length; i++)
            {
                double a = e.Activations[i];
                if (a <= 0) continue;
                mass.Add(e.Tokens[i], a);
                if (i > 0) before.Add(e.Tokens[i - 1], a);
            }
        var (fires, share) = mass.Leading(_o.Coverage, _o.MaxTokens);
        var (after, afterShare) = before.Leading(_o.ContextCoverage, _o.MaxContextTokens);
        if (afterShare < _o.ContextCoverage) after = [];
        return new OfflineLabel(fires, share, after,
            Outputs(promoted), Outputs(suppressed));
    }

    private List<string> Outputs(IReadOnlyList<TokenEffect> effects) =>
        effects.Select(t => OfflineLabel.Display(t.Token)).Distinct(StringComparer.Ordinal).Take(_o.OutputTokens).ToList();

    /// <summary>Activation mass per token key, with the display form that carried the most of it.</summary>
    private sealed class Mass
    {
        private readonly Dictionary<string, double> _byKey = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Key, string Shown), double> _byForm = new();
        private double _total;

        public void Add(string token, double a)
        {
            var key = OfflineLabel.Key(token);
            _byKey[key] = _byKey.GetValueOrDefault(key) + a;
            var form = (key, OfflineLabel.Display(token));
            _byForm[form] = _byForm.GetValueOrDefault(form) + a;
            _total += a;
        }

        /// <summary>Keys by mass (ties by key, ordinal) until their share reaches <paramref name="coverage"/> or
        /// <paramref name="max"/> are taken; each shown in its heaviest form.</summary>
        public (List<string> Shown, double Share) Leading(double coverage, int max)
        {
            var shown = new List<string>();
            double taken = 0;
            if (_total <= 0) return (shown, 0);
            foreach (var (key, m) in _byKey.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (shown.Count == max || taken / _total >= coverage) break;
                shown.Add(_byForm.Where(f => f.Key.Key == key).OrderByDescending(f => f.Value).ThenBy(f => f.Key.Shown, StringComparer.Ordinal).First().Key.Shown);
                taken += m;
            }
            return (shown, taken / _total);
        }
    }
}

// Attention-pattern scores per head from blocks.L.attn.hook_pattern [batch, head, query, key], to identify heads by
// what they do rather than by name. A probe is a prompt plus the (query, key) pairs each score averages over:
//   previous-token  attention from q to q − 1 (e.g. over a span's first occurrence)
//   induction       attention from q to the position after q's token's earlier occurrence (over the repeat)
// Generic(tokens) builds both lists from the tokens alone; task probes (ToyTasks.InductionProbes) use ground truth.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

public sealed record HeadPattern(string Id, int Layer, int Head, double? PrevToken, double? Induction);

public sealed record PatternProbe(int[] Tokens, IReadOnlyList<(int Q, int K)> PrevToken, IReadOnlyList<(int Q, int K)> Induction)
{
    /// <summary>Previous-token pairs at every q ≥ 1; induction pairs (q, j + 1) where j &lt; q − 1 is the latest earlier
    /// position holding q's token.</summary>
    public static PatternProbe Generic(int[] tokens)
    {
        var prev = Enumerable.Range(1, Math.Max(0, tokens.Length - 1)).Select(q => (q, q - 1)).ToList();
        var ind = new List<(int, int)>();
        var last = new Dictionary<int, int>();
        for (int q = 0; q < tokens.Length; q++)
        {
            if (last.TryGetValue(tokens[q], out var j) && j + 1 < q) ind.Add((q, j + 1));
            last[tokens[q]] = q;
        }
        return new PatternProbe(tokens, prev, ind);
    }
}

public static class HeadPatterns
{
    public static IReadOnlyList<HeadPattern> Score(HookedTransformer model, IReadOnlyList<PatternProbe> probes)
    {
        var cfg = model.Config;
        int L = cfg.NLayers, H = cfg.NHeads;
        var prev = new double[L, H]; var ind = new double[L, H];
        long nPrev = 0, nInd = 0;
        var hooks = Enumerable.Range(0, L).Select(l => model.HookTable.Name(HookKind.Pattern, l)).ToArray();
        using var noGrad = Tensor.NoGrad();
        foreach (var probe in probes)
        {
            int t = probe.Tokens.Length;
            foreach (var (q, k) in probe.PrevToken.Concat(probe.Induction))
                if (q < 0 || q >= t || k < 0 || k > q) throw new ArgumentException($"pattern probe pair ({q}, {k}) is not a causal (query, key) pair of a {t}-token prompt.");
            using var scope = TensorScope.Begin();                                  // the ids and logits (the cache owns its activations)
            var ids = Tensor.FromArray(probe.Tokens.Select(x => (long)x).ToArray(), 1, t);
            var (_, cache) = model.RunWithCache(ids, hooks.Contains);
            using (cache)
                for (int l = 0; l < L; l++)
                {
                    var a = cache[hooks[l]].ToArray();                               // [1, head, q, k]
                    for (int h = 0; h < H; h++)
                    {
                        foreach (var (q, k) in probe.PrevToken) prev[l, h] += a[(h * t + q) * t + k];
                        foreach (var (q, k) in probe.Induction) ind[l, h] += a[(h * t + q) * t + k];
                    }
                }
            nPrev += probe.PrevToken.Count; nInd += probe.Induction.Count;
        }
        var list = new List<HeadPattern>();
        for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++)
                list.Add(new HeadPattern($"L{l}.H{h}", l, h, nPrev == 0 ? null : prev[l, h] / nPrev, nInd == 0 ? null : ind[l, h] / nInd));
        return list;
    }
}

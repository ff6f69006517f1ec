// Attention-pattern scores per head from blocks.L.attn.hook_pattern [batch, head, query, key] on a prompt set's clean
// prompts, to identify heads by what they do rather than by name:
//   previous-token  mean attention from q to q − 1 (q ≥ 1)
//   induction       mean attention from q to j + 1, where j < q − 1 is the latest earlier position holding q's token
//   duplicate-token mean attention from q to that earlier position j
// Averages run over real (unpadded) queries; a score is null when no query qualifies.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

public sealed record HeadPattern(string Id, int Layer, int Head, double PrevToken, double? Induction, double? DuplicateToken);

public static class HeadPatterns
{
    public static IReadOnlyList<HeadPattern> Score(HookedTransformer model, PromptSet set, int batchSize = 64, int padId = 0)
    {
        var cfg = model.Config;
        int L = cfg.NLayers, H = cfg.NHeads;
        var prev = new double[L, H]; var ind = new double[L, H]; var dup = new double[L, H];
        long nPrev = 0, nInd = 0;
        var hooks = Enumerable.Range(0, L).Select(l => new LayerHooks(l, cfg).Pattern).ToArray();
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in set.Batches(batchSize, padId))
            using (batch)
            {
                var (logits, cache) = model.RunWithCache(batch.Clean, hooks.Contains);
                logits.Dispose();
                using (cache)
                {
                    int t = batch.Length;
                    var pats = hooks.Select(h => cache[h].ToArray()).ToArray();       // each [batch, head, q, k]
                    for (int b = 0; b < batch.Count; b++)
                    {
                        var toks = batch.Pairs[b].Clean;
                        var last = new Dictionary<int, int>();
                        for (int q = 0; q < toks.Length; q++)
                        {
                            int j = last.TryGetValue(toks[q], out var jj) ? jj : -1;
                            last[toks[q]] = q;
                            bool hasPrev = q >= 1, hasInd = j >= 0 && j + 1 < q;
                            if (hasPrev) nPrev++;
                            if (hasInd) nInd++;
                            for (int l = 0; l < L; l++)
                                for (int h = 0; h < H; h++)
                                {
                                    int row = ((b * H + h) * t + q) * t;
                                    if (hasPrev) prev[l, h] += pats[l][row + q - 1];
                                    if (hasInd) { ind[l, h] += pats[l][row + j + 1]; dup[l, h] += pats[l][row + j]; }
                                }
                        }
                    }
                }
            }
        var list = new List<HeadPattern>();
        for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++)
                list.Add(new HeadPattern($"L{l}.H{h}", l, h, nPrev == 0 ? 0 : prev[l, h] / nPrev,
                    nInd == 0 ? null : ind[l, h] / nInd, nInd == 0 ? null : dup[l, h] / nInd));
        return list;
    }
}

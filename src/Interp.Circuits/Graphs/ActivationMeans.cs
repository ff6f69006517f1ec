// Mean activations for mean-ablation: per hook, the average over a prompt set's real (unpadded) tokens, either per
// position (when the prompts share a layout) or one vector for every position. Positions no prompt reaches fall back
// to the all-position mean. Not the ablation itself (CircuitEvaluator).
using System.Text.Json.Serialization;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

[JsonConverter(typeof(JsonStringEnumConverter<MeanMode>))]
public enum MeanMode
{
    /// <summary>One mean per absolute position (prompts of equal length; right for templated tasks).</summary>
    [JsonStringEnumMemberName("per_position")] PerPosition,
    /// <summary>One mean over every real token of every prompt (prompts of different lengths or layouts).</summary>
    [JsonStringEnumMemberName("all_positions")] AllPositions,
}

[JsonConverter(typeof(JsonStringEnumConverter<MeanSource>))]
public enum MeanSource
{
    [JsonStringEnumMemberName("corrupted")] Corrupted,
    [JsonStringEnumMemberName("clean")] Clean,
}

public sealed class ActivationMeans : IAblationSource
{
    private readonly Dictionary<string, Tensor> _means;   // hook -> [max_len, ...activation dims after pos]
    public MeanMode Mode { get; }
    public MeanSource Source { get; }

    private ActivationMeans(Dictionary<string, Tensor> means, MeanMode mode, MeanSource source) { _means = means; Mode = mode; Source = source; }

    /// <summary>The mean for <paramref name="hook"/> over the first <paramref name="length"/> positions: [length, ...].</summary>
    public Tensor For(string hook, int length)
    {
        if (!_means.TryGetValue(hook, out var m)) throw new KeyNotFoundException($"no mean was computed for '{hook}'.");
        return m.Narrow(0, 0, length);
    }

    Tensor IAblationSource.For(string hook, PromptBatch batch) => For(hook, batch.Length);

    public string Describe => $"the mean activation ({(Mode == MeanMode.PerPosition ? "per position" : "over all positions")}) over the {(Source == MeanSource.Corrupted ? "corrupted" : "clean")} prompts";

    /// <summary>The default mode of a set: per position when all its prompts have one length, else all positions.</summary>
    public static MeanMode DefaultMode(PromptSet set) => set.EqualLengths ? MeanMode.PerPosition : MeanMode.AllPositions;

    public static ActivationMeans Compute(HookedTransformer model, PromptSet set, IEnumerable<string> hooks, MeanMode mode, MeanSource source, int batchSize, int padId)
    {
        var wanted = hooks.ToHashSet();
        int tMax = set.MaxLength;
        var sums = new Dictionary<string, (double[] sum, int[] shape, DType dtype)>();
        var counts = new int[tMax];
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in set.Batches(batchSize, padId))
            using (batch)
            {
                using var scope = TensorScope.Begin();                              // the logits (the cache owns its activations)
                using var cache = model.RunWithCache(source == MeanSource.Clean ? batch.Clean : batch.Corrupted, wanted.Contains).cache;
                {
                    for (int b = 0; b < batch.Count; b++) for (int p = 0; p < batch.Lengths[b]; p++) counts[p]++;
                    foreach (var h in wanted)
                    {
                        var act = cache[h];                                       // [batch, pos, ...]
                        int inner = act.Numel / (act.Shape[0] * act.Shape[1]);
                        if (!sums.TryGetValue(h, out var s)) sums[h] = s = (new double[tMax * inner], act.Shape[2..], act.DType);
                        var a = act.ToDoubleArray();
                        int t = act.Shape[1];
                        for (int b = 0; b < batch.Count; b++)
                            for (int p = 0; p < batch.Lengths[b]; p++)
                            {
                                int src = (b * t + p) * inner, dst = p * inner;
                                for (int i = 0; i < inner; i++) s.sum[dst + i] += a[src + i];
                            }
                    }
                }
            }
        var means = new Dictionary<string, Tensor>();
        int total = counts.Sum();
        foreach (var (h, (sum, shape, dtype)) in sums)
        {
            int inner = sum.Length / tMax;
            var all = new double[inner];
            for (int p = 0; p < tMax; p++) for (int i = 0; i < inner; i++) all[i] += sum[p * inner + i] / total;
            var m = new double[sum.Length];
            for (int p = 0; p < tMax; p++)
                for (int i = 0; i < inner; i++)
                    m[p * inner + i] = mode == MeanMode.PerPosition && counts[p] > 0 ? sum[p * inner + i] / counts[p] : all[i];
            using var t64 = Tensor.FromArray(m, [tMax, .. shape]);
            means[h] = t64.To(dtype);
        }
        return new ActivationMeans(means, mode, source);
    }

    public void Dispose()
    {
        foreach (var t in _means.Values) t.Dispose();
        _means.Clear();
    }
}

// Autoregressive generation with a KV cache: the prompt runs once, then one token per step. Hooks
// (scoped or passed here) stay active on every step, so steering applies to the generated text too.
using Interp.Tensors;

namespace Interp.Models;

public static class Generator
{
    /// <param name="prompt">[batch, pos] token ids</param>
    /// <returns>per row: the prompt followed by the generated ids</returns>
    public static long[][] Generate(HookedTransformer model, Tensor prompt, SamplingOptions options, params (string name, HookFn fn)[] hooks)
    {
        options.Validate();
        model.ValidateTokens(prompt);   // rank, dtype, empty, id range: before the shape is read
        int b = prompt.Shape[0], t = prompt.Shape[1];
        if (t + options.MaxNewTokens > model.Config.NCtx)
            throw new ArgumentException($"prompt ({t}) + MaxNewTokens ({options.MaxNewTokens}) exceeds the context length {model.Config.NCtx}.");
        using var p64 = TensorOps.To(prompt, DType.I64);
        var promptIds = p64.ToArray<long>();
        var rows = Enumerable.Range(0, b).Select(i => promptIds.AsSpan(i * t, t).ToArray().ToList()).ToArray();
        var done = new bool[b];
        var rng = new Random(options.Seed);
        using var noGrad = Tensor.NoGrad();
        using var kv = new KvCache(model.Config.NLayers);
        Tensor input = p64.Detach();
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            int offset = kv.Length;
            var (logits, _) = model.Forward(input, null, false, hooks, offset, kv);   // [batch, pos, vocab]
            input.Dispose();
            using (logits)
            {
                int v = logits.Shape[2], last = logits.Shape[1] - 1;
                using var lastPos = logits.Narrow(1, last, 1);                // [batch, 1, vocab]: only the last position is sampled
                var data = lastPos.ToArray();
                var next = new long[b];
                for (int i = 0; i < b; i++)
                {
                    var row = data.AsSpan(i * v, v);
                    next[i] = done[i] ? (options.StopToken ?? 0) : Sampler.Pick(row, options, rng);
                    if (!done[i]) rows[i].Add(next[i]);
                    if (options.StopToken is { } s && next[i] == s) done[i] = true;
                }
                input = Tensor.FromArray(next, b, 1);
            }
            if (done.All(d => d)) break;
        }
        input.Dispose();
        return rows.Select(r => r.ToArray()).ToArray();
    }
}

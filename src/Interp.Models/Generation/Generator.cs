// Autoregressive generation with a KV cache: the prompt runs once, then one token per step. Hooks
// (scoped or passed here) stay active on every step, so steering applies to the generated text too.
// Each step runs in its own TensorScope; the KV cache owns the keys and values it carries between steps.
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
        using var scope = TensorScope.Begin();
        using var noGrad = Tensor.NoGrad();
        using var kv = new KvCache(model.Config.NLayers);
        var input = TensorOps.To(prompt, DType.I64);                                   // [batch, pos]: the prompt, then one token per step
        var promptIds = input.ToArray<long>();
        var rows = Enumerable.Range(0, b).Select(i => promptIds.AsSpan(i * t, t).ToArray().ToList()).ToArray();
        var done = new bool[b];
        var rng = new Random(options.Seed);
        for (int step = 0; step < options.MaxNewTokens && !done.All(d => d); step++)
        {
            using var stepScope = TensorScope.Begin();
            stepScope.Adopt(input);
            var (logits, _) = model.Forward(input, null, false, hooks, kv.Length, kv);   // [batch, pos, vocab]
            int v = logits.Shape[2], last = logits.Shape[1] - 1;
            var data = logits.Narrow(1, last, 1).ToArray();                              // [batch, 1, vocab]: only the last position is sampled
            var next = new long[b];
            for (int i = 0; i < b; i++)
            {
                var row = data.AsSpan(i * v, v);
                next[i] = done[i] ? (options.StopToken ?? 0) : Sampler.Pick(row, options, rng);
                if (!done[i]) rows[i].Add(next[i]);
                if (options.StopToken is { } s && next[i] == s) done[i] = true;
            }
            input = stepScope.Keep(Tensor.FromArray(next, b, 1));
        }
        return rows.Select(r => r.ToArray()).ToArray();
    }
}

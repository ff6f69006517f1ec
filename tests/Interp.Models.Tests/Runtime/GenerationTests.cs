// Generation with the KV cache against a reference that recomputes the whole sequence every step, on each
// fixture architecture (learned positions, full and partial rotary); seeds, stop tokens, hooks and limits.
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests.Runtime;

public class GenerationTests
{
    /// <summary>Cached vs recomputed hidden states: same math, different matmul shapes; float32 rounding only.</summary>
    private const double CacheTol = 1e-4;

    private static (HookedTransformer m, Tensor prompt) Load(string name, int promptLen)
    {
        var m = ModelLoader.Load(Fixture.Dir(name));
        using var refs = SafetensorsFile.Open(Path.Combine(Fixture.Dir(name), "reference.safetensors"));
        using var ids = refs.Load("input_ids");                    // [2, 11]
        using var head = ids.Narrow(1, 0, promptLen);
        return (m, TensorOps.Contiguous(head));
    }

    /// <summary>Greedy decoding that reruns the model on the full sequence for every new token (no cache).</summary>
    private static long[][] GreedyByRecompute(HookedTransformer m, Tensor prompt, int steps)
    {
        int b = prompt.Shape[0], t = prompt.Shape[1];
        var flat = prompt.ToArray<long>();
        var rows = Enumerable.Range(0, b).Select(i => flat.AsSpan(i * t, t).ToArray().ToList()).ToArray();
        for (int s = 0; s < steps; s++)
        {
            int n = rows[0].Count;
            using var ids = Tensor.FromArray(rows.SelectMany(r => r).ToArray(), b, n);
            using var logits = m.Run(ids);
            var l = logits.ToArray();
            for (int i = 0; i < b; i++) rows[i].Add(Sampler.ArgMax(l.AsSpan((i * n + n - 1) * m.Config.DVocab, m.Config.DVocab)));
        }
        return rows.Select(r => r.ToArray()).ToArray();
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Generate_GreedyWithKvCache_EqualsRecomputingFullSequence(string name)
    {
        var (m, prompt) = Load(name, 6);
        using (prompt)
        {
            const int steps = 20;
            // every hidden state the cached run computes, step by step ([batch, new positions, d_model] each)
            var seen = new List<float[]>(); var widths = new List<int>();
            HookFn capture = (x, _) => { seen.Add(x.ToArray()); widths.Add(x.Shape[1]); return null; };
            var got = Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = steps, Temperature = 0 }, (HookTable.LnFinalNormalizedName, capture));
            var want = GreedyByRecompute(m, prompt, steps);
            Assert.Equal(want, got);

            Assert.Equal(new[] { 6 }.Concat(Enumerable.Repeat(1, steps - 1)), widths);
            int n = 6 + steps - 1, d = m.Config.DModel;
            using var all = Tensor.FromArray(got.SelectMany(r => r.Take(n)).ToArray(), 2, n);
            var (logits, cache) = m.RunWithCache(all, h => h == HookTable.LnFinalNormalizedName);
            using (logits) using (cache)
            {
                var full = cache[HookTable.LnFinalNormalizedName].ToArray();   // [2, n, d]
                int pos = 0;
                for (int s = 0; s < seen.Count; s++)
                {
                    for (int b = 0; b < 2; b++)
                        for (int p = 0; p < widths[s]; p++)
                            for (int k = 0; k < d; k++)
                            {
                                double e = full[(b * n + pos + p) * d + k], a = seen[s][(b * widths[s] + p) * d + k];
                                if (!(Math.Abs(e - a) <= CacheTol)) Assert.Fail($"{name}: normalized[{b},{pos + p},{k}] cached {a} vs recomputed {e}");
                            }
                    pos += widths[s];
                }
            }
        }
    }

    [Fact]
    public void Generate_UpToExactlyTheContext_Works()
    {
        var (m, prompt) = Load("llama-tiny", 11);
        using (prompt)
        {
            var rows = Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = 64 - 11, Temperature = 0 });
            Assert.All(rows, r => Assert.Equal(64, r.Length));
        }
    }

    [Fact]
    public void Generate_PromptPlusMaxTokensBeyondContext_ThrowsClearly()
    {
        var (m, prompt) = Load("gpt2-tiny", 11);
        using (prompt)
        {
            var e = Assert.Throws<ArgumentException>(() => Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = 54 }));
            Assert.Contains("prompt (11)", e.Message);
            Assert.Contains("MaxNewTokens (54)", e.Message);
            Assert.Contains("context length 64", e.Message);
        }
    }

    [Fact]
    public void Generate_BadPrompt_ThrowsArgumentException()
    {
        var m = new TinyGpt2().Model;
        using var rank1 = Tensor.FromArray(new long[] { 1, 2 }, 2);
        Assert.Contains("[batch, pos]", Assert.Throws<ArgumentException>(() => Generator.Generate(m, rank1, new SamplingOptions())).Message);
        using var empty = Tensor.FromArray(Array.Empty<long>(), 1, 0);
        Assert.Contains("empty input", Assert.Throws<ArgumentException>(() => Generator.Generate(m, empty, new SamplingOptions { MaxNewTokens = 1 })).Message);
        using var bad = Tensor.FromArray(new long[] { 1, 5 }, 1, 2);
        Assert.Contains("out of range", Assert.Throws<ArgumentException>(() => Generator.Generate(m, bad, new SamplingOptions { MaxNewTokens = 1 })).Message);
    }

    [Fact]
    public void Generate_ZeroNewTokens_ReturnsPrompt()
    {
        var (m, prompt) = Load("neox-tiny", 4);
        using (prompt)
        {
            var rows = Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = 0 });
            Assert.Equal(prompt.ToArray<long>(), rows.SelectMany(r => r));
        }
    }

    [Fact]
    public void Generate_StopToken_EndsThatRowOnlyAfterEmittingIt()
    {
        var (m, prompt) = Load("gpt2-tiny", 6);
        using (prompt)
        {
            var free = Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = 12, Temperature = 0 });
            long stop = free[0][6 + 3];                                   // row 0's 4th new token
            int firstInRow0 = Array.IndexOf(free[0], stop, 6);
            var rows = Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = 12, Temperature = 0, StopToken = (int)stop });
            Assert.Equal(free[0][..(firstInRow0 + 1)], rows[0]);
            int firstInRow1 = Array.IndexOf(free[1], stop, 6);
            Assert.Equal(firstInRow1 < 0 ? free[1] : free[1][..(firstInRow1 + 1)], rows[1]);
        }
    }

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Generate_Sampling_ReproducibleWithSeedAndTopK1IsGreedy(string name)
    {
        var (m, prompt) = Load(name, 5);
        using (prompt)
        {
            var o = new SamplingOptions { MaxNewTokens = 15, Temperature = 1.0, TopK = 10, TopP = 0.9, Seed = 11 };
            var a = Generator.Generate(m, prompt, o);
            Assert.Equal(a, Generator.Generate(m, prompt, o));
            var others = Enumerable.Range(12, 4).Select(s => Generator.Generate(m, prompt, o with { Seed = s })).ToList();
            Assert.Contains(others, x => !x.SelectMany(r => r).SequenceEqual(a.SelectMany(r => r)));   // the seed matters
            var greedy = Generator.Generate(m, prompt, new SamplingOptions { MaxNewTokens = 15, Temperature = 0 });
            Assert.Equal(greedy, Generator.Generate(m, prompt, o with { TopK = 1, Temperature = 3.0 }));
        }
    }

    private static (Tensor wU, Tensor lnW, Tensor? lnB) Unembedding(HookedTransformer m) => m.Config.ModelType switch
    {
        "gpt2" => (m.Parameters["wte.weight"], m.Parameters["ln_f.weight"], m.Parameters["ln_f.bias"]),
        "llama" => (m.Parameters["lm_head.weight"], m.Parameters["model.norm.weight"], null),
        "gpt_neox" => (m.Parameters["embed_out.weight"], m.Parameters["gpt_neox.final_layer_norm.weight"], m.Parameters["gpt_neox.final_layer_norm.bias"]),
        _ => throw new ArgumentException(m.Config.ModelType),
    };

    [Theory]
    [MemberData(nameof(Fixture.All), MemberType = typeof(Fixture))]
    public void Generate_HugeSteerTowardTokensUnembedding_EmitsThatToken(string name)
    {
        var (m, prompt) = Load(name, 5);
        using (prompt)
        {
            var (wU, lnW, lnB) = Unembedding(m);
            int d = m.Config.DModel, vocab = m.Config.DVocab;
            var u = wU.ToArray(); var w = lnW.ToArray(); var bias = lnB?.ToArray();
            // With resid ≈ c·v for huge c, the final norm gives norm(v), so logits ≈ (norm(v) ⊙ w + b) · W_Uᵀ.
            int target = -1;
            for (int t = 0; t < vocab && target < 0; t++)
            {
                var v = u.AsSpan(t * d, d).ToArray();
                double mean = m.Config.Norm == NormKind.LayerNorm ? v.Average(x => (double)x) : 0;
                double rms = Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
                var logit = Enumerable.Range(0, vocab).Select(j => Enumerable.Range(0, d).Sum(k => ((v[k] - mean) / rms * w[k] + (bias?[k] ?? 0)) * u[j * d + k])).ToArray();
                var order = logit.Select((x, j) => (x, j)).OrderByDescending(p => p.x).ToArray();
                if (order[0].j == t && order[0].x - order[1].x > 0.5) target = t;
            }
            Assert.True(target >= 0, "no token whose own unembedding direction wins by a margin");
            using var vec = Tensor.FromArray(u.AsSpan(target * d, d).ToArray(), d);
            string site = $"blocks.{m.Config.NLayers - 1}.hook_resid_post";
            var o = new SamplingOptions { MaxNewTokens = 8, Temperature = 0 };
            var rows = Generator.Generate(m, prompt, o, (site, Interventions.Steer(vec, 1e4)));
            Assert.All(rows, r => Assert.All(r.Skip(5), x => Assert.Equal(target, x)));
            using (m.Hooks((site, Interventions.Steer(vec, 1e4))))                     // scoped hooks apply too
                Assert.Equal(rows, Generator.Generate(m, prompt, o));
            Assert.NotEqual(rows, Generator.Generate(m, prompt, o));                     // and end with their scope
        }
    }
}

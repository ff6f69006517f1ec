// A hand-sized GPT-2 (1 layer, d_model 4, 2 heads of 2, d_mlp 8, vocab 5, context 8) built in memory,
// and a naive float64 reference forward of the same weights with edit points at hook sites, so
// interventions can be checked against a hand computation. Not a general GPT-2: one layer, one row.
using Interp.Tensors;

namespace Interp.Models.Tests.Runtime;

public sealed class TinyGpt2
{
    public const int D = 4, H = 2, Dh = 2, M = 8, V = 5, Ctx = 8;

    public static readonly ModelConfig Config = new()
    {
        ModelType = "gpt2", NLayers = 1, DModel = D, NHeads = H, NKvHeads = H, DHead = Dh, DMlp = M, DVocab = V, NCtx = Ctx,
        Eps = 1e-5, Norm = NormKind.LayerNorm, Positions = PositionKind.Learned, Act = ActivationKind.GeluNew,
        GatedMlp = false, ParallelResidual = false, TiedEmbeddings = true,
    };

    /// <summary>Weights as float64 arrays (row-major, GPT-2 Conv1D layout [in, out]).</summary>
    public readonly Dictionary<string, (double[] data, int[] shape)> W = new(StringComparer.Ordinal);
    public readonly HookedTransformer Model;

    public TinyGpt2(int seed = 7)
    {
        var rng = new Random(seed);
        void Add(string name, int[] shape, double centre, double spread)
        {
            var a = new double[shape.Aggregate(1, (x, y) => x * y)];
            // multiples of 1/16: exactly representable in float32, so the model and the reference share weights bit for bit
            for (int i = 0; i < a.Length; i++) a[i] = centre + Math.Round((rng.NextDouble() * 2 - 1) * spread * 16) / 16;
            W[name] = (a, shape);
        }
        Add("wte.weight", new[] { V, D }, 0, 1); Add("wpe.weight", new[] { Ctx, D }, 0, 0.5);
        Add("h.0.ln_1.weight", new[] { D }, 1, 0.25); Add("h.0.ln_1.bias", new[] { D }, 0, 0.25);
        Add("h.0.attn.c_attn.weight", new[] { D, 3 * D }, 0, 1); Add("h.0.attn.c_attn.bias", new[] { 3 * D }, 0, 0.25);
        Add("h.0.attn.c_proj.weight", new[] { D, D }, 0, 1); Add("h.0.attn.c_proj.bias", new[] { D }, 0, 0.25);
        Add("h.0.ln_2.weight", new[] { D }, 1, 0.25); Add("h.0.ln_2.bias", new[] { D }, 0, 0.25);
        Add("h.0.mlp.c_fc.weight", new[] { D, M }, 0, 1); Add("h.0.mlp.c_fc.bias", new[] { M }, 0, 0.25);
        Add("h.0.mlp.c_proj.weight", new[] { M, D }, 0, 1); Add("h.0.mlp.c_proj.bias", new[] { D }, 0, 0.25);
        Add("ln_f.weight", new[] { D }, 1, 0.25); Add("ln_f.bias", new[] { D }, 0, 0.25);
        var tensors = W.ToDictionary(kv => kv.Key, kv => Tensor.FromArray(Array.ConvertAll(kv.Value.data, x => (float)x), kv.Value.shape), StringComparer.Ordinal);
        Model = new HookedTransformer(ModelLoader.Create(Config, tensors));
    }

    public static Tensor Ids(params long[][] rows)
    {
        int t = rows[0].Length;
        return Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, t);
    }

    private double At(string w, int i, int j) => W[w].data[i * W[w].shape[1] + j];
    private double At(string w, int i) => W[w].data[i];

    /// <summary>Edits applied in place at a hook: values laid out [pos][features] (z: [pos][head·d_head + e]).</summary>
    public delegate void Edit(double[][] act);

    /// <summary>Float64 logits [pos][vocab] of one row, applying <paramref name="edits"/> at "blocks.0.hook_resid_pre",
    /// "blocks.0.attn.hook_z", "blocks.0.mlp.hook_post", "blocks.0.hook_resid_post", "ln_final.hook_normalized".</summary>
    public double[][] Reference(long[] tokens, IReadOnlyDictionary<string, Edit>? edits = null)
    {
        int T = tokens.Length;
        void Apply(string name, double[][] a) { if (edits is not null && edits.TryGetValue(name, out var e)) e(a); }
        var resid = Enumerable.Range(0, T).Select(p => Enumerable.Range(0, D).Select(i => At("wte.weight", (int)tokens[p], i) + At("wpe.weight", p, i)).ToArray()).ToArray();
        Apply("blocks.0.hook_resid_pre", resid);

        var n1 = resid.Select(r => LayerNorm(r, "h.0.ln_1")).ToArray();
        var qkv = n1.Select(r => Affine(r, "h.0.attn.c_attn", 3 * D)).ToArray();
        var z = new double[T][];
        for (int i = 0; i < T; i++)
        {
            z[i] = new double[H * Dh];
            for (int h = 0; h < H; h++)
            {
                var s = new double[i + 1];
                for (int j = 0; j <= i; j++)
                {
                    for (int e = 0; e < Dh; e++) s[j] += qkv[i][h * Dh + e] * qkv[j][D + h * Dh + e];
                    s[j] /= Math.Sqrt(Dh);
                }
                double mx = s.Max(), zsum = s.Sum(x => Math.Exp(x - mx));
                for (int j = 0; j <= i; j++)
                    for (int e = 0; e < Dh; e++) z[i][h * Dh + e] += Math.Exp(s[j] - mx) / zsum * qkv[j][2 * D + h * Dh + e];
            }
        }
        Apply("blocks.0.attn.hook_z", z);
        var mid = Enumerable.Range(0, T).Select(p => Add(resid[p], Affine(z[p], "h.0.attn.c_proj", D))).ToArray();

        var post = mid.Select(r => Affine(LayerNorm(r, "h.0.ln_2"), "h.0.mlp.c_fc", M).Select(GeluNew).ToArray()).ToArray();
        Apply("blocks.0.mlp.hook_post", post);
        var rpost = Enumerable.Range(0, T).Select(p => Add(mid[p], Affine(post[p], "h.0.mlp.c_proj", D))).ToArray();
        Apply("blocks.0.hook_resid_post", rpost);

        var normalized = rpost.Select(r => LayerNorm(r, null)).ToArray();
        Apply("ln_final.hook_normalized", normalized);
        return normalized.Select(r =>
        {
            var x = Enumerable.Range(0, D).Select(i => r[i] * At("ln_f.weight", i) + At("ln_f.bias", i)).ToArray();
            return Enumerable.Range(0, V).Select(v => Enumerable.Range(0, D).Sum(i => x[i] * At("wte.weight", v, i))).ToArray();
        }).ToArray();
    }

    /// <summary>LayerNorm with the named weight and bias; with a null prefix, only centre and scale (hook_normalized).</summary>
    private double[] LayerNorm(double[] x, string? prefix)
    {
        double mean = x.Average(), var = x.Sum(v => (v - mean) * (v - mean)) / x.Length, s = Math.Sqrt(var + Config.Eps);
        return Enumerable.Range(0, x.Length).Select(i => prefix is null ? (x[i] - mean) / s
            : (x[i] - mean) / s * At(prefix + ".weight", i) + At(prefix + ".bias", i)).ToArray();
    }

    private double[] Affine(double[] x, string prefix, int outDim) =>
        Enumerable.Range(0, outDim).Select(o => At(prefix + ".bias", o) + Enumerable.Range(0, x.Length).Sum(i => x[i] * At(prefix + ".weight", i, o))).ToArray();

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    public static double GeluNew(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>Asserts model logits [batch, pos, vocab] row <paramref name="b"/> equal the reference [pos][vocab].</summary>
    public static void AssertLogits(double[][] expected, Tensor logits, int b, double tol, string what)
    {
        var a = logits.ToArray();
        int T = logits.Shape[1];
        Assert.Equal(expected.Length, T);
        for (int p = 0; p < T; p++)
            for (int v = 0; v < V; v++)
            {
                double d = Math.Abs(expected[p][v] - a[(b * T + p) * V + v]);
                if (!(d <= tol)) Assert.Fail($"{what}: logits[{b},{p},{v}] expected {expected[p][v]:G9}, got {a[(b * T + p) * V + v]:G9} (|diff| {d:E2} > {tol:E2})");
            }
    }
}

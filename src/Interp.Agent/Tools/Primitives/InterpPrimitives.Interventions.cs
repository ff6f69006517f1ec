// The intervention primitives: ablate SAE features, attention heads or MLP neurons and report the effect on the
// next-token distribution and on a named metric (logit difference of two answers, or log-prob of one); patch a hook from
// a clean prompt into a corrupted one (fraction of the metric recovered); steer generation along a feature's decoder
// direction, side by side with the unsteered text. Every edit lives in hooks scoped to the call: nothing persists.
using Interp.Dictionaries;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Agent.Tools;

/// <param name="Name">logit_diff (answer − wrong, in logits) or logprob (log p(answer), in nats)</param>
public sealed record MetricChange(string Name, string Answer, string? Wrong, double Before, double After, double Change, string Unit);

/// <param name="Position">the position whose next-token distribution is compared (the last token)</param>
/// <param name="Kl">KL(before ‖ after) of the next-token distributions, in nats</param>
/// <param name="LossBefore">mean next-token loss over the text, nats, unedited</param>
public sealed record InterventionResult(string Intervention, int Position, string Token, IReadOnlyList<TokenProb> Before, IReadOnlyList<TokenProb> After,
    double Kl, IReadOnlyList<TokenShift> LargestShifts, MetricChange? Metric, double? LossBefore, double? LossAfter);

/// <param name="Recovered">(patched − corrupted) / (clean − corrupted): 1 = the patch restores the clean behaviour, 0 = no effect; null when clean and corrupted agree (|gap| &lt; 1e-6)</param>
public sealed record ActivationPatchResult(string Hook, IReadOnlyList<int> Positions, string Metric, string Unit, string Answer, string? Wrong,
    double Clean, double Corrupted, double Patched, double? Recovered, IReadOnlyList<TokenProb> PatchedNext);

public sealed record SteerResult(string Sae, int Feature, double Strength, string Hook, string Prompt, string Unsteered, string Steered,
    IReadOnlyList<string> UnsteeredTokens, IReadOnlyList<string> SteeredTokens, string Note);

public sealed partial class InterpPrimitives
{
    public InterventionResult AblateFeatures(string? text, string? sae, string? features, string? positions = null, string? answer = null, string? wrong = null, int k = 5)
    {
        var s = Session.Sae(sae);
        var ids = Encode(text);
        var f = ToolArgs.Ids(features, s.DSae, Limits, "features", "feature");
        var pos = ToolArgs.Positions(positions, ids.Length, Limits, null!);
        ToolArgs.K(k, Limits);
        var (a, w) = (SingleToken(answer, "answer"), SingleToken(wrong, "wrong"));
        return Session.Exclusive(() =>
        {
            var before = Logits(ids);
            float[] after;
            using (var splice = SaeSplice.Attach(Model, s.Sae, includeError: true))
                after = Logits(ids, (splice.Names.ActsPost, FeatureEdits.Ablate(f, pos)));
            return Compare($"ablate features {string.Join(",", f)} of {s.Name}{At(pos)} (set to 0; the SAE's error term kept)", ids, before, after, a, w, k);
        });
    }

    public InterventionResult AblateHeads(string? text, string? heads, string? positions = null, string? answer = null, string? wrong = null, int k = 5)
    {
        var ids = Encode(text);
        var c = Model.Config;
        var units = ToolArgs.Units(heads, 'H', c.NLayers, c.NHeads, Limits, "heads", "head");
        var pos = ToolArgs.Positions(positions, ids.Length, Limits, null!);
        ToolArgs.K(k, Limits);
        var (a, w) = (SingleToken(answer, "answer"), SingleToken(wrong, "wrong"));
        var hooks = units.GroupBy(u => u.Layer).Select(g => (Model.HookTable.Layer(g.Key).Z, Interventions.AblateHeads(g.Select(u => u.Index).ToArray(), new Selection(pos)))).ToArray();
        return Session.Exclusive(() => Compare($"zero-ablate heads {string.Join(",", units.Select(u => $"L{u.Layer}.H{u.Index}"))} (their attn.hook_z){At(pos)}",
            ids, Logits(ids), Logits(ids, hooks), a, w, k));
    }

    public InterventionResult AblateNeurons(string? text, string? neurons, string? positions = null, string? answer = null, string? wrong = null, int k = 5)
    {
        var ids = Encode(text);
        var c = Model.Config;
        var units = ToolArgs.Units(neurons, 'N', c.NLayers, c.DMlp, Limits, "neurons", "neuron");
        var pos = ToolArgs.Positions(positions, ids.Length, Limits, null!);
        ToolArgs.K(k, Limits);
        var (a, w) = (SingleToken(answer, "answer"), SingleToken(wrong, "wrong"));
        var hooks = units.GroupBy(u => u.Layer).Select(g => (Model.HookTable.Layer(g.Key).MlpPost, Interventions.AblateNeurons(g.Select(u => u.Index).ToArray(), new Selection(pos)))).ToArray();
        return Session.Exclusive(() => Compare($"zero-ablate neurons {string.Join(",", units.Select(u => $"L{u.Layer}.N{u.Index}"))} (their mlp.hook_post){At(pos)}",
            ids, Logits(ids), Logits(ids, hooks), a, w, k));
    }

    private static string At(int[]? pos) => pos is null ? " at every position" : $" at positions {string.Join(",", pos)}";

    private InterventionResult Compare(string what, int[] ids, float[] before, float[] after, int? answer, int? wrong, int k)
    {
        int last = ids.Length - 1;
        var pb = Probs(before, last);
        var pa = Probs(after, last);
        MetricChange? metric = null;
        if (answer is { } an)
        {
            double M(float[] l, double[] p) => wrong is { } wr ? LogitAt(l, last, an) - LogitAt(l, last, wr) : Math.Log(Math.Max(p[an], double.Epsilon));
            double m0 = M(before, pb), m1 = M(after, pa);
            metric = new MetricChange(wrong is null ? "logprob" : "logit_diff", Tok(an), wrong is { } ww ? Tok(ww) : null, ToolJson.R(m0), ToolJson.R(m1), ToolJson.R(m1 - m0),
                wrong is null ? "nats" : "logits");
        }
        return new InterventionResult(what, last, Tok(ids[last]), Top(before, last, k), Top(after, last, k), ToolJson.R(Kl(pb, pa)), Shifts(pb, pa, k), metric,
            Loss(ids, before) is { } l0 ? ToolJson.R(l0) : null, Loss(ids, after) is { } l1 ? ToolJson.R(l1) : null);
    }

    public ActivationPatchResult PatchActivation(string? clean, string? corrupted, string? hook, string? positions = null, string? answer = null, string? wrong = null, int k = 5)
    {
        var c = Encode(clean, "clean");
        var x = Encode(corrupted, "corrupted");
        if (c.Length != x.Length)
            throw new ToolArgumentException("corrupted", $"has {x.Length} tokens but clean has {c.Length}; patching needs equal lengths",
                "change words one for one (tokenize shows the tokens)");
        if (string.IsNullOrWhiteSpace(hook)) throw new ToolArgumentException("hook", "is empty", "name a hook such as a residual-stream hook; list_hooks lists them");
        try { Model.ValidateHookName(hook); }
        catch (ArgumentException e) { throw new ToolArgumentException("hook", e.Message.TrimEnd('.'), "call list_hooks for every valid name"); }
        var pos = ToolArgs.Positions(positions, c.Length, Limits, null!);
        if (pos is not null && Model.HookTable[hook].Kind is HookKind.Pattern or HookKind.AttnScores)
            throw new ToolArgumentException("positions", $"'{hook}' is [batch, head, query, key]: positions cannot select its token axis",
                "patch it whole (leave positions out), or patch attn.hook_z of the layer at those positions");
        ToolArgs.K(k, Limits);
        var (a0, w0) = (SingleToken(answer, "answer"), SingleToken(wrong, "wrong"));
        return Session.Exclusive(() =>
        {
            using var scope = TensorScope.Begin();
            using var noGrad = Tensor.NoGrad();
            var tc = Tensor.FromArray(c.Select(i => (long)i).ToArray(), 1, c.Length);
            var (cl, cache) = Model.RunWithCache(tc, n => n == hook);
            float[] cleanLogits = cl.ToArray();
            using (cache)
            {
                var corrLogits = Logits(x);
                int last = c.Length - 1;
                int an = a0 ?? Sampler.ArgMax(cleanLogits.AsSpan(last * Vocab, Vocab));
                int? wr = w0 ?? (answer is null ? Sampler.ArgMax(corrLogits.AsSpan(last * Vocab, Vocab)) is var cw && cw != an ? cw : null : null);
                var patched = Logits(x, (hook, Interventions.Patch(cache, pos is null ? null : new Selection(pos))));
                double M(float[] l) => wr is { } w ? LogitAt(l, last, an) - LogitAt(l, last, w) : Math.Log(Math.Max(Probs(l, last)[an], double.Epsilon));
                double mc = M(cleanLogits), mx = M(corrLogits), mp = M(patched), gap = mc - mx;
                return new ActivationPatchResult(hook, pos ?? Enumerable.Range(0, c.Length).ToArray(), wr is null ? "logprob" : "logit_diff", wr is null ? "nats" : "logits", Tok(an),
                    wr is { } ww ? Tok(ww) : null, ToolJson.R(mc), ToolJson.R(mx), ToolJson.R(mp), Math.Abs(gap) < 1e-6 ? null : ToolJson.R((mp - mx) / gap), Top(patched, last, k));
            }
        });
    }

    public SteerResult SteerGenerate(string? text, string? sae, int feature, double strength, int maxNewTokens = 20)
    {
        var s = Session.Sae(sae);
        var ids = Encode(text);
        ToolArgs.Range(feature, 0, s.DSae - 1, "feature", "12");
        ToolArgs.Range(strength, -Limits.MaxStrength, Limits.MaxStrength, "strength", "8 (positive adds the direction, negative removes it)");
        ToolArgs.Range(maxNewTokens, 1, Limits.MaxNewTokens, "max_new_tokens", "20");
        if (ids.Length + maxNewTokens > Model.Config.NCtx)
            throw new ToolArgumentException("max_new_tokens", $"the prompt ({ids.Length} tokens) plus {maxNewTokens} new tokens exceeds the context of {Model.Config.NCtx}",
                $"ask for at most {Model.Config.NCtx - ids.Length} tokens");
        if (s.Sae.DIn != Model.Config.DModel || s.Sae.Cfg.HookHeadIndex is not null)
            throw new ToolArgumentException("sae", $"SAE {s.Name} reads {s.HookName}, which is not a d_model-wide hook; steering adds decoder rows to the residual stream",
                "use an SAE on a residual-stream hook");
        var row = Decoder(s).AsSpan(feature * s.Sae.DIn, s.Sae.DIn).ToArray();
        double norm = Math.Sqrt(row.Sum(v => v * (double)v));
        if (norm == 0) throw new ToolArgumentException("feature", $"feature {feature} has an all-zero decoder row: there is no direction to steer along", "pick another feature");
        return Session.Exclusive(() =>
        {
            using var scope = TensorScope.Begin();
            var o = new SamplingOptions { MaxNewTokens = maxNewTokens, Temperature = 0 };
            var prompt = Tensor.FromArray(ids.Select(i => (long)i).ToArray(), 1, ids.Length);
            var plain = Generator.Generate(Model, prompt, o)[0].Skip(ids.Length).Select(i => (int)i).ToArray();
            var dir = Tensor.FromArray(row.Select(v => (float)(v / norm)).ToArray(), row.Length);
            var steered = Generator.Generate(Model, prompt, o, (s.HookName, Interventions.Steer(dir, strength)))[0].Skip(ids.Length).Select(i => (int)i).ToArray();
            return new SteerResult(s.Name, feature, strength, s.HookName, Session.Tokenizer.Decode(ids), Session.Tokenizer.Decode(plain), Session.Tokenizer.Decode(steered),
                plain.Select(Tok).ToList(), steered.Select(Tok).ToList(),
                $"greedy decoding; steered adds strength × the unit decoder direction (norm {ToolJson.R(norm)}) at {s.HookName} at every position, prompt and generated tokens alike");
        });
    }
}

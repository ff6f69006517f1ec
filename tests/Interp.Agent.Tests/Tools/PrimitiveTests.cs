// Each primitive on the embedded models, checked against the same quantity computed directly with the model, the SAE,
// the latent cache or the index (not against numbers copied from a previous run).
using Interp.Agent.Tools;
using Interp.Circuits;
using Interp.Dictionaries;
using Interp.Dictionaries.Analysis;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Agent.Tests.Tools;

[Collection(nameof(ToolCollection))]
public sealed class PrimitiveTests(ToolFixture fx)
{
    private const string Text = "And God said, Let there be light: and there was light.";
    /// <summary>Our numbers are rounded to 4 decimals for display (ToolJson.R); compare at that resolution.</summary>
    private const double Display = 6e-5;
    private InterpPrimitives En => new(fx.English);
    private InterpPrimitives Toy => new(fx.Toy);

    private static long[] L(int[] ids) => ids.Select(i => (long)i).ToArray();

    private float[] DirectLogits(ModelSession s, int[] ids, params (string, HookFn)[] hooks)
    {
        using var _ = Tensor.NoGrad();
        using var t = Tensor.FromArray(L(ids), 1, ids.Length);
        using var logits = s.Model.RunWithHooks(t, hooks);
        return logits.ToArray();
    }

    [Fact]
    public void ListHooks_EveryModelHookWithItsShape()
    {
        var r = En.ListHooks();
        Assert.Equal(fx.English.Model.HookNames, r.Hooks.Select(h => h.Name));
        var resid = r.Hooks.Single(h => h.Name == fx.English.Saes[0].HookName);
        Assert.Equal("[batch, pos, d_model=256]", resid.Shape);
        Assert.Equal(2, resid.Layer);
        var table = fx.English.Model.HookTable;
        Assert.Equal("[batch, head_index=8, query_pos, key_pos]", r.Hooks.Single(h => h.Name == table.Layer(1).Pattern).Shape);
        Assert.Equal(table.Layer(3).InOrder(), En.ListHooks(layer: 3).Hooks.Select(h => h.Name));
        Assert.Empty(En.ListHooks(contains: "no-such-hook").Hooks);
    }

    [Fact]
    public async Task Catalog_ModelAndSaes()
    {
        var m = En.ListModels().Models.Single();
        Assert.Equal(("english-small", 4, 256, 4096), (m.Name, m.NLayers, m.DModel, m.DVocab));
        var s = (await En.ListSaesAsync()).Saes.Single();
        Assert.Equal(("english-small-resid2-topk", 2, 2048, true, 4L), (s.Name, s.Layer, s.DSae, s.HasCache, s.Indexed));
    }

    [Fact]
    public void Tokenize_MatchesTheTokenizer()
    {
        var r = En.Tokenize(Text);
        var ids = fx.English.Tokenizer.Encode(Text, addSpecialTokens: true);
        Assert.Equal(ids, r.Tokens.Select(t => t.Id));
        Assert.Equal(ids.Select(fx.English.Tokenizer.TokenToString), r.Tokens.Select(t => t.Token));
    }

    [Fact]
    public void RunPrompt_ProbabilitiesAndLossFromTheModel()
    {
        var r = En.RunPrompt(Text, 3);
        var ids = fx.English.Tokenizer.Encode(Text, addSpecialTokens: true);
        using var _ = Tensor.NoGrad();
        using var t = Tensor.FromArray(L(ids), 1, ids.Length);
        using var logits = fx.English.Model.Run(t);
        using var loss = NextTokenLoss.Compute(logits, t);
        var last = logits.ToArray().AsSpan((ids.Length - 1) * 4096, 4096).ToArray();
        double max = last.Max(), z = last.Sum(x => Math.Exp(x - max));
        var best = Enumerable.Range(0, 4096).OrderByDescending(i => last[i]).Take(3).ToArray();
        Assert.Equal(best, r.NextTokens.Select(n => n.Id));
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(Math.Exp(last[best[i]] - max) / z - r.NextTokens[i].Probability) < Display);
        Assert.True(Math.Abs(loss.Item() - r.Loss!.Value) < 1e-3, $"{loss.Item()} vs {r.Loss}");
    }

    [Fact]
    public void GetActivations_NormsFromTheCache()
    {
        string hook = fx.English.Saes[0].HookName;
        var r = En.GetActivations(Text, hook, "0,-1", 3);
        var ids = fx.English.Tokenizer.Encode(Text, addSpecialTokens: true);
        using var _ = Tensor.NoGrad();
        using var t = Tensor.FromArray(L(ids), 1, ids.Length);
        var (logits, cache) = fx.English.Model.RunWithCache(t, n => n == hook);
        using (logits) using (cache)
        {
            var a = cache[hook].ToArray();
            foreach (var (p, row) in new[] { (0, r.Positions[0]), (ids.Length - 1, r.Positions[1]) })
            {
                var v = a.AsSpan(p * 256, 256).ToArray();
                Assert.Equal(p, row.Position);
                Assert.True(Math.Abs(Math.Sqrt(v.Sum(x => (double)x * x)) - row.Norm) < 1e-3);
                int top = Enumerable.Range(0, 256).OrderByDescending(i => Math.Abs(v[i])).First();
                Assert.Equal(top.ToString(), row.TopDimensions[0].Dimension);
            }
        }
    }

    [Fact]
    public void GetActivations_UnknownHook_NamesTheNearestValidOne()
    {
        var e = Assert.Throws<ToolArgumentException>(() => En.GetActivations(Text, "blocks.2.hook_resid_pots"));
        Assert.Equal("hook", e.Argument);
        Assert.Contains("blocks.2.hook_resid_post", e.Message);
    }

    [Fact]
    public async Task TopFeatures_AgreeWithActiveFeatures()
    {
        var r = await En.TopFeaturesAsync(Text, null, 5);
        var direct = ActiveFeatures.Compute(fx.English.Model, fx.English.Tokenizer, fx.English.Saes[0].Sae, Text, 5);
        Assert.Equal(direct.Features.Select(f => f.Feature), r.Overall.Select(f => f.Feature));
        for (int i = 0; i < 5; i++) Assert.True(Math.Abs(direct.Features[i].Max - r.Overall[i].Activation) < Display);
        Assert.Equal(direct.Tokens.Count, r.Positions.Count);
        Assert.All(r.Positions, p => Assert.InRange(p.Features.Count, 1, 5));             // TopK SAE: k = 24 fire everywhere
    }

    [Fact]
    public async Task FeatureInfo_DensityExamplesAndTokenEffects()
    {
        var s = fx.English.Saes[0];
        int f = (await En.TopFeaturesAsync(Text, null, 1)).Overall[0].Feature;
        var r = await En.FeatureInfoAsync(null, f, 3);
        var cached = s.Cache!.Feature(f);
        Assert.Equal(cached.Density, r.Density!.Density);
        Assert.Equal(cached.Count, r.Density.Firing);
        Assert.Equal(Math.Min(3, cached.TopExamples.Count), r.Examples!.Top.Count);
        var ex0 = cached.TopExamples[0];
        Assert.Contains("⟦⟦" + ex0.Tokens[ex0.PeakIndex] + "⟧⟧", r.Examples.Top[0].Text);
        Assert.StartsWith("⟪", r.Examples.Top[0].Text);
        Assert.Contains("not instructions", r.Examples.Notice);
        // the promoted token's logit effect is what adding the decoder row to ln_final's normalized input does to its logit
        var row = s.Sae.WDec.ToArray().AsSpan(f * 256, 256).ToArray();
        using var dir = Tensor.FromArray(row, 256);
        var ids = fx.English.Tokenizer.Encode(Text, addSpecialTokens: true);
        var plain = DirectLogits(fx.English, ids);
        var pushed = DirectLogits(fx.English, ids, (fx.English.Model.HookTable.Name(HookKind.LnFinalNormalized), Interventions.Steer(dir, 1.0)));
        var top = r.Promoted[0];
        double delta = pushed[(ids.Length - 1) * 4096 + top.Id] - plain[(ids.Length - 1) * 4096 + top.Id];
        Assert.True(Math.Abs(delta - top.Logit) < 1e-3, $"{delta} vs {top.Logit}");
        Assert.True(r.Promoted[0].Logit >= r.Promoted[^1].Logit && r.Suppressed[0].Logit <= r.Suppressed[^1].Logit);
    }

    [Fact]
    public async Task FeatureInfo_LabelFromTheIndex()
    {
        var r = await En.FeatureInfoAsync(null, 7, 0);
        Assert.Equal("closing brackets and parentheses", r.Labels.Single().Text);
        Assert.Equal(0.5, r.Scores.Single().Value);
        Assert.Equal((0.3, 0.7), (r.Scores[0].CiLow, r.Scores[0].CiHigh));
    }

    [Fact]
    public async Task SearchFeatures_ByMeaning()
    {
        var r = await En.SearchFeaturesAsync("calendar: January, February, March", null, 2);
        Assert.Equal(0, r.Hits[0].Feature);
        Assert.Equal("dates and months of the year", r.Hits[0].Label);
        Assert.True(r.Hits[0].Similarity > r.Hits[1].Similarity);
    }

    [Fact]
    public async Task FeatureNeighbours_BruteForceCosineOrder()
    {
        var r = await En.FeatureNeighboursAsync(null, 14, 4);
        var w = fx.English.Saes[0].Sae.WDec.ToArray();
        double Cos(int a, int b)
        {
            double d = 0, na = 0, nb = 0;
            for (int i = 0; i < 256; i++) { d += w[a * 256 + i] * (double)w[b * 256 + i]; na += w[a * 256 + i] * (double)w[a * 256 + i]; nb += w[b * 256 + i] * (double)w[b * 256 + i]; }
            return nb == 0 ? double.NegativeInfinity : d / Math.Sqrt(na * nb);
        }
        var expected = Enumerable.Range(0, 2048).Where(j => j != 14).OrderByDescending(j => Cos(14, j)).Take(4).ToArray();
        Assert.Equal(expected, r.Neighbours.Select(n => n.Feature));
        Assert.Equal("the word the", r.Label);
    }

    [Fact]
    public async Task AblateFeatures_EqualsADirectSpliceAndEdit()
    {
        var ids = fx.English.Tokenizer.Encode(Text, addSpecialTokens: true);
        var top = (await En.TopFeaturesAsync(Text, null, 2, "-1")).Positions[0].Features.Select(f => f.Feature).ToArray();
        var r = En.AblateFeatures(Text, null, string.Join(",", top), "-1", k: 3);
        var s = fx.English.Saes[0];
        float[] direct;
        using (var splice = SaeSplice.Attach(fx.English.Model, s.Sae, includeError: true))
            direct = DirectLogits(fx.English, ids, (splice.Names.ActsPost, FeatureEdits.Ablate(top, [ids.Length - 1])));
        var last = direct.AsSpan((ids.Length - 1) * 4096, 4096).ToArray();
        Assert.Equal(Enumerable.Range(0, 4096).OrderByDescending(i => last[i]).Take(3), r.After.Select(a => a.Id));
        Assert.True(r.Kl > 1e-4, "ablating the two strongest features at the last token must move its prediction");
        Assert.Equal(r.Before.Select(b => b.Id), En.RunPrompt(Text, 3).NextTokens.Select(n => n.Id));
    }

    private (PromptPair Pair, string Text) IoiPrompt()
    {
        var pair = ToyTasks.Ioi(fx.Toy.Tokenizer, 1).Pairs[0];
        string text = string.Join(" ", pair.CleanTokens);
        Assert.Equal(pair.Clean, fx.Toy.Tokenizer.Encode(text, addSpecialTokens: true));
        return (pair, text);
    }

    [Fact]
    public void AblateHeads_IoiLogitDiffDropsByTheDirectHookAblation()
    {
        var (pair, text) = IoiPrompt();
        var cfg = fx.Toy.Model.Config;
        // the head whose ablation matters most, found by direct ablation of each head
        double Diff(float[] l) => l[(pair.Length - 1) * cfg.DVocab + pair.Answer] - l[(pair.Length - 1) * cfg.DVocab + pair.Wrong];
        double clean = Diff(DirectLogits(fx.Toy, pair.Clean));
        var effects = (from l in Enumerable.Range(0, cfg.NLayers) from h in Enumerable.Range(0, cfg.NHeads)
                       select (l, h, d: Diff(DirectLogits(fx.Toy, pair.Clean, (new LayerHooks(l, cfg).Z, Interventions.AblateHeads([h])))))).ToList();
        var (bl, bh, bd) = effects.OrderBy(e => e.d).First();
        var r = Toy.AblateHeads(text, $"L{bl}.H{bh}", answer: pair.AnswerText, wrong: pair.WrongText);
        Assert.Equal("logit_diff", r.Metric!.Name);
        Assert.True(Math.Abs(r.Metric.Before - clean) < 1e-3);
        Assert.True(Math.Abs(r.Metric.Change - (bd - clean)) < 1e-3, $"{r.Metric.Change} vs {bd - clean}");
        Assert.True(r.Metric.Change < -0.5, $"the most important head of the toy IOI circuit should lower the logit difference clearly ({r.Metric.Change})");
    }

    [Fact]
    public void AblateNeurons_EqualsDirectHookAblation()
    {
        var (pair, text) = IoiPrompt();
        var cfg = fx.Toy.Model.Config;
        var direct = DirectLogits(fx.Toy, pair.Clean, (new LayerHooks(1, cfg).MlpPost, Interventions.AblateNeurons([0, 5, 9])));
        var r = Toy.AblateNeurons(text, "L1.N0,L1.N5,L1.N9", answer: pair.AnswerText, wrong: pair.WrongText);
        double d = direct[(pair.Length - 1) * cfg.DVocab + pair.Answer] - direct[(pair.Length - 1) * cfg.DVocab + pair.Wrong];
        Assert.True(Math.Abs(r.Metric!.After - d) < 1e-3);
    }

    [Fact]
    public void PatchActivation_WholeResidualStreamRestoresTheCleanRun()
    {
        var (pair, text) = IoiPrompt();
        string corrupted = string.Join(" ", pair.CorruptedTokens);
        var cfg = fx.Toy.Model.Config;
        var all = Toy.PatchActivation(text, corrupted, new LayerHooks(0, cfg).ResidPre, null, pair.AnswerText, pair.WrongText);
        Assert.True(Math.Abs(all.Recovered!.Value - 1) < 1e-3, $"{all.Recovered}");
        Assert.True(all.Clean > all.Corrupted);
        var none = Toy.PatchActivation(text, corrupted, new LayerHooks(0, cfg).ResidPre, "0", pair.AnswerText, pair.WrongText);   // position 0 is the same token in both
        Assert.True(Math.Abs(none.Recovered!.Value) < 1e-3, $"{none.Recovered}");
    }

    [Fact]
    public void SteerGenerate_ZeroStrengthIsUnsteered_LargeStrengthChangesTheText()
    {
        var zero = En.SteerGenerate("And the LORD said", null, 14, 0, 8);
        Assert.Equal(zero.Unsteered, zero.Steered);
        var strong = En.SteerGenerate("And the LORD said", null, 14, 60, 8);
        Assert.Equal(zero.Unsteered, strong.Unsteered);
        Assert.NotEqual(strong.Unsteered, strong.Steered);
        Assert.Equal(8, strong.SteeredTokens.Count);
    }

    [Fact]
    public void ComparePrompts_SamePromptHasZeroKl()
    {
        Assert.Equal(0, En.ComparePrompts(Text, Text).Kl);
        Assert.True(En.ComparePrompts(Text, "The king of Israel").Kl > 0.01);
    }

    [Fact]
    public void CircuitTools_AgreeWithCircuitLab()
    {
        var lab = new CircuitLab(fx.Toy.Model);
        var set = ToyTasks.Ioi(fx.Toy.Tokenizer, 8);
        var direct = lab.Attribute(set, NodeSet.Heads, AttributionMethod.AtP, top: 5);
        var r = Toy.Attribute("ioi", "heads", "atp", 5, 8);
        Assert.Equal(direct.Scores.Select(s => s.Id), r.Scores.Select(s => s.Id));
        var ids = r.Scores.Take(2).Select(s => s.Id).ToArray();
        var t = Toy.TestCircuit("ioi", "heads", string.Join(",", ids), 8);
        var dt = lab.TestCircuit(set, NodeSet.Heads, ids);
        Assert.Equal(dt.Faithfulness, t.Faithfulness);
        var p = Toy.PatchNodes("ioi", "heads", ids[0], 8);
        Assert.Equal(lab.PatchNodes(set, NodeSet.Heads, [ids[0]]).Nodes[0].Effect, p.Nodes[0].Effect);
        var h = Toy.ProposeHypothesis("the top two heads carry IOI", "ioi", "heads", string.Join(",", ids), 8);
        Assert.Equal(dt.Faithfulness, h.Evidence.Ablation.Faithfulness);
        Assert.Equal("agent", h.Provenance.Proposer);
    }
}

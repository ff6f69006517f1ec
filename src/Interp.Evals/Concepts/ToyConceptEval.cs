// Runs a toy-world model over labelled documents and asks, per planted concept, how well the best SAE
// feature detects it versus the best MLP neuron at the same layer (issue 5's shipped-SAE report).
using Interp.Dictionaries;
using Interp.Evals.ToyWorld;
using Interp.Models;
using Interp.Models.Tokenizers;
using Interp.Tensors;

namespace Interp.Evals.Concepts;

public sealed record ConceptReport(string SaeHook, string NeuronHook, int Tokens, IReadOnlyList<ConceptScore> Features, IReadOnlyList<ConceptScore> Neurons)
{
    public int FeaturesAtLeast(double f1) => Features.Count(s => s.F1 >= f1);
    public int NeuronsAtLeast(double f1) => Neurons.Count(s => s.F1 >= f1);
}

public static class ToyConceptEval
{
    public static ConceptReport Run(HookedTransformer model, ITokenizer tok, Sae sae, string worldDir, int maxDocs)
    {
        string hook = sae.Cfg.HookName;
        var point = model.HookTable[hook];                    // unknown names fail with the nearest ones
        if (point.Layer is not { } layer) throw new ArgumentException($"SAE hook '{hook}' is not inside a block; the neuron baseline needs a block's mlp.hook_post.");
        string neuronHook = model.HookTable.Name(HookKind.MlpPost, layer);
        var featDocs = new List<(TokenLabel[], float[])>();
        var neuronDocs = new List<(TokenLabel[], float[])>();
        int tokens = 0;
        using var noGrad = Tensor.NoGrad();
        foreach (var doc in ToyWorldFiles.ReadDocuments(worldDir).Take(maxDocs))
        {
            var ids = doc.Tokens.Select(w => (long)(tok.TokenToId(w) ?? throw new ArgumentException($"'{w}' is not in the model's vocabulary."))).ToArray();
            if (ids.Length > model.Config.NCtx) continue;
            using var scope = TensorScope.Begin();
            var (_, cache) = model.RunWithCache(Tensor.FromArray(ids, 1, ids.Length), n => n == hook || n == neuronHook);
            using (cache)
            {
                featDocs.Add((doc.Labels.ToArray(), sae.Encode(cache[hook]).ToArray()));   // [1, pos, d_sae]
                neuronDocs.Add((doc.Labels.ToArray(), cache[neuronHook].ToArray()));
            }
            tokens += ids.Length;
        }
        if (tokens == 0) throw new ArgumentException($"{worldDir}: no documents to score.");
        return new ConceptReport(hook, neuronHook, tokens,
            ConceptMatch.Score(featDocs, sae.DSae, ToyConcepts.All),
            ConceptMatch.Score(neuronDocs, model.Config.DMlp, ToyConcepts.All));
    }
}

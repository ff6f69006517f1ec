// Ground truth for labels on the toy world: for each planted concept, its best-matching SAE feature (by F1, Evals'
// ConceptMatch over the world's labelled tokens), a labeling run over those features (a latent cache built from the
// world's documents), and whether each feature's label names its concept (ConceptNaming). Reports the fraction named per
// concept kind. Works for any SAE trained on a toy-world model; `interp toyworld labels` is its face.
using Interp.Agent.Labeling.Store;
using Interp.Agent.Scoring;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Evals.Concepts;
using Interp.Evals.ToyWorld;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Agent.Labeling.GroundTruth;

public sealed record ConceptLabel(string Concept, string Kind, int Feature, double F1, string? Label, NamingVerdict? Verdict, string? Failure);

/// <param name="ByKind">kind → (named, concepts)</param>
public sealed record ToyLabelReport(string RunStore, int MatchTokens, IReadOnlyList<ConceptLabel> Concepts,
    IReadOnlyDictionary<string, (int Named, int Total)> ByKind, IReadOnlyDictionary<string, (int Named, int Total)> ByKindFiresOn);

/// <param name="MatchDocs">documents scored to find each concept's best feature</param>
/// <param name="CacheDocs">documents (after those) the latent cache is built from</param>
/// <param name="LlmModel">on the LLM path: the explainer role's model, recorded in the run manifest as `interp label` does</param>
public sealed record ToyLabelOptions(int MatchDocs = 1500, int CacheDocs = 1500, int Concurrency = 2, string? LlmModel = null);

public static class ToyLabelCheck
{
    public static async Task<ToyLabelReport> RunAsync(string modelDir, string saeDir, string worldDir, string outDir, ToyLabelOptions o,
        Func<RunManifest, LabelingComponents>? components = null, CancellationToken ct = default)
    {
        if (o.MatchDocs < 10 || o.CacheDocs < 10) throw new ArgumentException($"--docs and --cache-docs must be >= 10 (got {o.MatchDocs}, {o.CacheDocs}).");
        Directory.CreateDirectory(outDir);
        var model = ModelLoader.Load(modelDir);
        var tok = TokenizerLoader.Load(modelDir);
        using var sae = Sae.Load(saeDir);
        var match = ToyConceptEval.Run(model, tok, sae, worldDir, o.MatchDocs);

        // the cache: the next documents of the world, as token ids
        var ids = Path.Combine(outDir, "cache-ids.txt");
        await File.WriteAllLinesAsync(ids, ToyWorldFiles.ReadCorpus(worldDir).Skip(o.MatchDocs).Take(o.CacheDocs)
            .Select(d => string.Join(' ', d.Select(w => tok.TokenToId(w) ?? throw new InvalidDataException($"'{w}' is not in the model's vocabulary")))), ct);
        var cachePath = Path.Combine(outDir, "cache.db");
        LatentCacheBuilder.Build(cachePath, model, sae, Corpus.Ids(ids, model.Config.DVocab), CacheInputs.FromDirectories(modelDir, saeDir),
            new LatentCacheOptions(ContextLength: Math.Min(64, model.Config.NCtx)), tok);

        var features = match.Features.Where(s => s.BestUnit >= 0).Select(s => s.BestUnit).Distinct().Order().ToList();
        var runPath = Path.Combine(outDir, "run.db");
        var request = new LabelingRequest(modelDir, saeDir, cachePath, runPath, string.Join(",", features),
            Explainer: components is null ? LabelingComponents.OfflineExplainerKind : LabelingComponents.LlmExplainerKind,
            Scorers: [ScoreMethods.Simulation], Run: new RunOptions(o.Concurrency), LlmModel: components is null ? null : o.LlmModel);
        using var job = LabelingJob.Prepare(request, components: components);
        await job.RunAsync(ct: ct);

        var rows = new List<ConceptLabel>();
        foreach (var s in match.Features)
        {
            var kind = ConceptKinds.Of(s.Concept);
            if (s.BestUnit < 0) { rows.Add(new ConceptLabel(s.Concept, kind, -1, 0, null, null, "no feature fires on this concept")); continue; }
            var r = job.Store.ReadRecord(s.BestUnit);
            var label = r?.Explanations.FirstOrDefault()?.Text;
            rows.Add(label is null
                ? new ConceptLabel(s.Concept, kind, s.BestUnit, s.F1, null, null, r?.Failures.FirstOrDefault() is { } f ? $"{f.Stage}: {f.Kind}: {f.Reason}" : "no record")
                : new ConceptLabel(s.Concept, kind, s.BestUnit, s.F1, label, ConceptNaming.Names(s.Concept, label), null));
        }
        var kinds = new[] { ConceptKinds.Category, ConceptKinds.Delimiter, ConceptKinds.Relational };
        return new ToyLabelReport(Path.GetFullPath(runPath), match.Tokens, rows,
            kinds.ToDictionary(k => k, k => (rows.Count(x => x.Kind == k && x.Verdict?.Named == true), rows.Count(x => x.Kind == k))),
            kinds.ToDictionary(k => k, k => (rows.Count(x => x.Kind == k && x.Verdict?.NamedFiresOn == true), rows.Count(x => x.Kind == k))));
    }
}

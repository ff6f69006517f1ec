// For each planted concept, the unit (SAE feature or neuron) whose firing best detects it, by F1 over every
// token of a labelled corpus. A unit "fires" above a threshold picked per (concept, unit) from fractions of
// the unit's max activation, the same rule for features and neurons so the comparison is fair.
using Interp.Evals.ToyWorld;
using Interp.Tensors;

namespace Interp.Evals.Concepts;

public sealed record ConceptScore(string Concept, int Positives, int BestUnit, double Threshold, double F1, double Precision, double Recall);

public static class ConceptMatch
{
    /// <summary>Thresholds as fractions of each unit's max activation over the corpus (0 = any positive activation).</summary>
    public static readonly double[] Fractions = { 0.0, 0.1, 0.25, 0.5, 0.75 };

    /// <param name="units">per document: unit activations [pos, units] (float array, row-major)</param>
    public static IReadOnlyList<ConceptScore> Score(IReadOnlyList<(TokenLabel[] labels, float[] acts)> docs, int nUnits, IReadOnlyList<Concept> concepts)
    {
        var max = new float[nUnits];
        foreach (var (labels, acts) in docs)
            for (int t = 0; t < labels.Length; t++)
                for (int u = 0; u < nUnits; u++) max[u] = Math.Max(max[u], acts[t * nUnits + u]);
        int nf = Fractions.Length, nc = concepts.Count;
        var fires = new long[nUnits * nf];
        var tp = new long[nc * nUnits * nf];
        var pos = new long[nc];
        var holds = new bool[nc];
        foreach (var (labels, acts) in docs)
            for (int t = 0; t < labels.Length; t++)
            {
                for (int c = 0; c < nc; c++) { holds[c] = concepts[c].Holds(labels[t]); if (holds[c]) pos[c]++; }
                for (int u = 0; u < nUnits; u++)
                {
                    float a = acts[t * nUnits + u];
                    if (a <= 0 || max[u] <= 0) continue;
                    for (int f = 0; f < nf; f++)
                    {
                        if (a <= Fractions[f] * max[u]) break;
                        fires[u * nf + f]++;
                        for (int c = 0; c < nc; c++) if (holds[c]) tp[(c * nUnits + u) * nf + f]++;
                    }
                }
            }
        var result = new List<ConceptScore>(nc);
        for (int c = 0; c < nc; c++)
        {
            var best = new ConceptScore(concepts[c].Name, (int)pos[c], -1, 0, 0, 0, 0);
            for (int u = 0; u < nUnits; u++)
                for (int f = 0; f < nf; f++)
                {
                    long hit = tp[(c * nUnits + u) * nf + f], fired = fires[u * nf + f];
                    if (hit == 0) continue;
                    double p = (double)hit / fired, r = (double)hit / pos[c], f1 = 2 * p * r / (p + r);
                    if (f1 > best.F1) best = best with { BestUnit = u, Threshold = Fractions[f] * max[u], F1 = f1, Precision = p, Recall = r };
                }
            result.Add(best);
        }
        return result;
    }
}

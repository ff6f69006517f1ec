// Picks the next token from one row of logits: greedy, or temperature + top-k + top-p (nucleus) sampling.
namespace Interp.Models;

public sealed record SamplingOptions
{
    public int MaxNewTokens { get; init; } = 20;
    /// <summary>0 = greedy (argmax).</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>0 = no top-k cut.</summary>
    public int TopK { get; init; }
    /// <summary>1 = no nucleus cut.</summary>
    public double TopP { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>Generation of a row stops after this token (e.g. end-of-text).</summary>
    public int? StopToken { get; init; }

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"MaxNewTokens must be >= 0 (got {MaxNewTokens}).");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"Temperature must be >= 0 (got {Temperature}); use 0 for greedy.");
        if (TopK < 0) throw new ArgumentException($"TopK must be >= 0 (got {TopK}).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1] (got {TopP}).");
    }
}

public static class Sampler
{
    public static int Pick(ReadOnlySpan<float> logits, SamplingOptions o, Random rng)
    {
        if (o.Temperature == 0) return ArgMax(logits);
        int n = logits.Length;
        var idx = Enumerable.Range(0, n).ToArray();
        var l = logits.ToArray();
        Array.Sort(l.Select(v => -v).ToArray(), idx);                 // indices by descending logit
        int keep = o.TopK > 0 ? Math.Min(o.TopK, n) : n;
        double max = logits[idx[0]];
        var p = new double[keep];
        double z = 0;
        for (int i = 0; i < keep; i++) { p[i] = Math.Exp((logits[idx[i]] - max) / o.Temperature); z += p[i]; }
        for (int i = 0; i < keep; i++) p[i] /= z;
        if (o.TopP < 1)
        {
            double cum = 0; int cut = keep;
            for (int i = 0; i < keep; i++) { cum += p[i]; if (cum >= o.TopP) { cut = i + 1; break; } }
            keep = cut;
            double s = 0; for (int i = 0; i < keep; i++) s += p[i];
            for (int i = 0; i < keep; i++) p[i] /= s;
        }
        double u = rng.NextDouble(), acc = 0;
        for (int i = 0; i < keep; i++) { acc += p[i]; if (u < acc) return idx[i]; }
        return idx[keep - 1];
    }

    public static int ArgMax(ReadOnlySpan<float> x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}

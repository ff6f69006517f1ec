// The features whose decoder directions are closest (cosine) to a given feature's: where hard negatives come from
// (delphi's "decoder_similarity" neighbours). Holds the SAE's decoder rows, unit-normalised, [d_sae, d_in]. Thread-safe.
using System.Numerics.Tensors;

namespace Interp.Agent.Labeling.Examples;

public sealed class DecoderNeighbours
{
    private readonly float[] _rows;   // [d_sae, d_in], each row unit length (zero rows stay zero)
    private readonly int _dIn;

    public int DSae { get; }

    /// <param name="decoder">W_dec [d_sae, d_in], row-major</param>
    public DecoderNeighbours(float[] decoder, int dSae, int dIn)
    {
        if (decoder.Length != (long)dSae * dIn) throw new ArgumentException($"decoder has {decoder.Length} values, expected d_sae {dSae} × d_in {dIn}.");
        (DSae, _dIn, _rows) = (dSae, dIn, (float[])decoder.Clone());
        for (int f = 0; f < dSae; f++)
        {
            var row = _rows.AsSpan(f * dIn, dIn);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
    }

    /// <summary>Cosine similarity of the two features' decoder directions.</summary>
    public double Cosine(int a, int b) => TensorPrimitives.Dot(Row(a), Row(b));

    /// <summary>The <paramref name="k"/> other features most similar to <paramref name="feature"/>, most similar first
    /// (ties by index).</summary>
    public IReadOnlyList<int> Nearest(int feature, int k)
    {
        var me = Row(feature);
        var sims = new (float Sim, int F)[DSae - 1];
        for (int f = 0, j = 0; f < DSae; f++)
            if (f != feature) sims[j++] = (TensorPrimitives.Dot(me, Row(f)), f);
        return sims.OrderByDescending(s => s.Sim).ThenBy(s => s.F).Take(k).Select(s => s.F).ToList();
    }

    private ReadOnlySpan<float> Row(int f)
    {
        if (f < 0 || f >= DSae) throw new ArgumentOutOfRangeException(nameof(f), $"feature {f} is outside 0..{DSae - 1}.");
        return _rows.AsSpan(f * _dIn, _dIn);
    }
}

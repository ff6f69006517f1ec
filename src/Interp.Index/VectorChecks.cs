// Checks every vector before it reaches a store (the right width, every element finite, a direction at all) and
// scales it to unit length, so cosine is a dot product in both stores. Errors name the feature and the vector.
namespace Interp.Index;

internal static class VectorChecks
{
    /// <summary>A unit-length copy of <paramref name="v"/>, or an ArgumentException saying what is wrong with it.</summary>
    public static float[] Unit(ReadOnlySpan<float> v, int dim, string what)
    {
        if (v.Length != dim) throw new ArgumentException($"{what} has {v.Length} floats; this index expects {dim}.");
        double ss = 0;
        for (int i = 0; i < v.Length; i++)
        {
            if (!float.IsFinite(v[i])) throw new ArgumentException($"{what} holds {(float.IsNaN(v[i]) ? "NaN" : "an infinity")} at [{i}]; vectors must be finite.");
            ss += (double)v[i] * v[i];
        }
        if (!(ss > 0)) throw new ArgumentException($"{what} is all zeros: it has no direction to compare by cosine.");
        var u = new float[dim];
        float inv = (float)(1.0 / Math.Sqrt(ss));
        for (int i = 0; i < dim; i++) u[i] = v[i] * inv;
        return u;
    }
}

// Synthetic activations with planted sparse structure for trainer tests: each row is the sum of `active` of
// `features` fixed random unit directions with magnitudes in [0.5, 1.5), plus a constant offset. Row i depends only
// on (seed, i), so the position is one counter and a resumed stream continues exactly.
using Interp.Dictionaries.Training;
using Interp.Tensors;

namespace Interp.Dictionaries.Tests.Training;

public sealed class PlantedSource : IActivationSource
{
    private readonly ulong _seed;
    private readonly int _features, _active;
    private readonly float[] _dirs;      // [features, d_in]
    private readonly float[] _offset;    // [d_in]
    public long Row { get; private set; }
    public int DIn { get; }

    public PlantedSource(int dIn, int features = 16, int active = 3, ulong seed = 7, float offset = 0.5f)
    {
        DIn = dIn; _features = features; _active = active; _seed = seed;
        var rng = new Rng(seed);
        _dirs = new float[features * dIn];
        for (int f = 0; f < features; f++)
        {
            double n = 0;
            for (int i = 0; i < dIn; i++) { double v = rng.NextNormal(); _dirs[f * dIn + i] = (float)v; n += v * v; }
            for (int i = 0; i < dIn; i++) _dirs[f * dIn + i] /= (float)Math.Sqrt(n);
        }
        _offset = new float[dIn];
        for (int i = 0; i < dIn; i++) _offset[i] = offset * (float)rng.NextNormal();
    }

    /// <summary>Planted direction <paramref name="f"/> [d_in].</summary>
    public float[] Direction(int f) => _dirs.AsSpan(f * DIn, DIn).ToArray();

    public void Read(Span<float> dst)
    {
        for (int at = 0; at < dst.Length; at += DIn)
        {
            var row = dst.Slice(at, DIn);
            _offset.CopyTo(row);
            var rng = new Rng(_seed * 0x9E3779B97F4A7C15UL + (ulong)Row + 1);
            var chosen = new HashSet<int>();
            while (chosen.Count < _active) chosen.Add(rng.NextInt(_features));
            foreach (var f in chosen.Order())
            {
                float m = 0.5f + (float)rng.NextDouble();
                for (int i = 0; i < DIn; i++) row[i] += m * _dirs[f * DIn + i];
            }
            Row++;
        }
    }

    public ActivationSourceState GetState() => new(new[] { Row }, Array.Empty<float>());

    public void LoadState(ActivationSourceState state) => Row = state.Position[0];

    public void Dispose() { }
}

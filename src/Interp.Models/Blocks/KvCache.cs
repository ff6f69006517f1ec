// Keys and values of earlier positions, per layer, so generation feeds only the new token each step.
// Stored after rotary, before grouped-query repetition: [batch, past, n_kv_heads, d_head].
using Interp.Tensors;

namespace Interp.Models;

public sealed class KvCache : IDisposable
{
    private readonly Layer[] _layers;
    public KvCache(int nLayers) { _layers = Enumerable.Range(0, nLayers).Select(_ => new Layer()).ToArray(); }

    /// <summary>Positions already cached (the offset of the next token).</summary>
    public int Length => _layers[0].Length;
    public Layer this[int l] => _layers[l];

    public void Dispose() { foreach (var l in _layers) l.Dispose(); }

    public sealed class Layer : IDisposable
    {
        private Tensor? _k, _v; // [batch, past, n_kv_heads, d_head]
        public int Length => _k?.Shape[1] ?? 0;

        /// <summary>Appends the new keys/values and returns the full (past + new) tensors, owned by the caller.</summary>
        public (Tensor k, Tensor v) Append(Tensor k, Tensor v)
        {
            Tensor nk, nv;
            using var kd = k.Detach(); using var vd = v.Detach();   // Contiguous and Cat return new tensors, so these views can go
            if (_k is null) { nk = TensorOps.Contiguous(kd); nv = TensorOps.Contiguous(vd); }
            else
            {
                nk = TensorOps.Cat(new[] { _k, kd }, 1); nv = TensorOps.Cat(new[] { _v!, vd }, 1);
                _k.Dispose(); _v!.Dispose();
            }
            _k = nk; _v = nv;
            return (nk.Detach(), nv.Detach());
        }

        public void Dispose() { _k?.Dispose(); _v?.Dispose(); _k = _v = null; }
    }
}

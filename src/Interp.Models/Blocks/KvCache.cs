// Keys and values of earlier positions, per layer, so generation feeds only the new token each step.
// Stored after rotary, before grouped-query repetition: [batch, past, n_kv_heads, d_head]. The cache owns what it
// stores (outside every TensorScope) until Dispose; Append hands out views that belong to the caller's scope.
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

        /// <summary>Appends the new keys/values and returns the full (past + new) tensors, as views in the caller's scope.</summary>
        public (Tensor k, Tensor v) Append(Tensor k, Tensor v)
        {
            var nk = _k is null ? TensorOps.Contiguous(k.Detach()) : TensorOps.Cat(new[] { _k, k.Detach() }, 1);
            var nv = _v is null ? TensorOps.Contiguous(v.Detach()) : TensorOps.Cat(new[] { _v, v.Detach() }, 1);
            Dispose();
            _k = TensorScope.Escape(nk); _v = TensorScope.Escape(nv);
            return (nk.Detach(), nv.Detach());
        }

        public void Dispose() { _k?.Dispose(); _v?.Dispose(); _k = _v = null; }
    }
}

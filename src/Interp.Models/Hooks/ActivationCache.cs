// Activations recorded by RunWithCache, keyed by hook name; after a backward, gradients at those hooks.
// The cache owns both (outside every TensorScope): Dispose frees them.
using Interp.Tensors;

namespace Interp.Models;

public sealed class ActivationCache : IDisposable
{
    private readonly Dictionary<string, Tensor> _acts;
    private readonly Dictionary<string, Tensor>? _gradSources;

    internal ActivationCache(Dictionary<string, Tensor> acts, Dictionary<string, Tensor>? gradSources)
    {
        _acts = acts; _gradSources = gradSources;
    }

    public IReadOnlyCollection<string> Names => _acts.Keys;
    public bool Contains(string name) => _acts.ContainsKey(name);

    public Tensor this[string name] => _acts.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"'{name}' was not cached; cached hooks: {string.Join(", ", _acts.Keys.Take(8))}{(_acts.Count > 8 ? ", ..." : "")}.");

    /// <summary>d metric / d activation at a cached hook, after Backward() on a metric of this run.</summary>
    public Tensor? Grad(string name)
    {
        if (_gradSources is null) throw new InvalidOperationException("this cache was not recorded with gradients; pass withGrad: true to RunWithCache.");
        return _gradSources.TryGetValue(name, out var t) ? t.Grad : throw new KeyNotFoundException($"no gradient source for '{name}'.");
    }

    public void Dispose()
    {
        foreach (var t in _acts.Values) t.Dispose();
        _acts.Clear();
        if (_gradSources is null) return;
        foreach (var t in _gradSources.Values) t.ZeroGrad();   // the sources are the pass's (freed with it); their gradients are ours
        _gradSources.Clear();
    }
}

// The per-forward hook state: which hooks edit values, which are cached, which need gradients.
// Model code calls At(name, x) at every hook point; when nothing was asked for, that is one branch.
using Interp.Tensors;

namespace Interp.Models;

/// <summary>Reads an activation and may return a replacement of the same shape and dtype (or null to keep it).
/// Returning a tensor you still hold (a cached activation, say) is safe: the model continues with its own
/// view of the result and never disposes the object you returned.</summary>
public delegate Tensor? HookFn(Tensor activation, string hookName);

/// <summary>Code spliced in at a model hook (an SAE at its hook_name, say) that has hook points of its own. It gets the
/// activation at its anchor after that hook's edits and caching (and must not dispose it), passes its intermediate
/// values through run.At(name, value) so they can be edited, cached and differentiated like any model hook, and
/// returns what the model continues with: the activation itself, or a new tensor of the same shape and dtype.</summary>
public delegate Tensor SpliceFn(Tensor activation, HookRun run);

public sealed class HookRun
{
    private readonly Dictionary<string, List<HookFn>>? _fns;
    private readonly Func<string, bool>? _cacheFilter;
    private readonly bool _grad;
    private readonly Dictionary<string, Tensor>? _cache;
    private readonly Dictionary<string, Tensor>? _gradSources;
    private readonly IReadOnlyDictionary<string, SpliceFn>? _splices;
    public readonly bool Active;

    public static readonly HookRun None = new(null, null, false);

    public HookRun(Dictionary<string, List<HookFn>>? fns, Func<string, bool>? cacheFilter, bool grad, IReadOnlyDictionary<string, SpliceFn>? splices = null)
    {
        _fns = fns is { Count: > 0 } ? fns : null;
        _splices = splices is { Count: > 0 } ? splices : null;
        _cacheFilter = cacheFilter;
        _grad = grad && cacheFilter is not null;
        if (cacheFilter is not null) _cache = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (_grad) _gradSources = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Active = _fns is not null || cacheFilter is not null || _splices is not null;
    }

    /// <summary>True if the value at this hook is needed separately (cache, edit, or gradient).</summary>
    public bool Wants(string name) => Active && ((_fns?.ContainsKey(name) ?? false) || (_cacheFilter?.Invoke(name) ?? false) || (_splices?.ContainsKey(name) ?? false));

    /// <summary>Applies hooks at <paramref name="name"/>. Returns x itself or a replacement the caller now owns
    /// (in which case x has been disposed).</summary>
    public Tensor At(string name, Tensor x)
    {
        if (!Active) return x;
        bool cache = _cacheFilter?.Invoke(name) ?? false;
        if (_fns is not null && _fns.TryGetValue(name, out var list))
        {
            foreach (var fn in list)
            {
                var r = fn(x, name);
                if (r is null || ReferenceEquals(r, x)) continue;
                if (!ShapeUtil.SameShape(r.Shape, x.Shape))
                    throw new InvalidOperationException($"hook at '{name}' returned shape [{ShapeUtil.Str(r.Shape)}] but the activation has [{ShapeUtil.Str(x.Shape)}]; a hook must keep the shape.");
                if (r.DType != x.DType) throw new InvalidOperationException($"hook at '{name}' returned {r.DType} but the activation is {x.DType}.");
                // The hook may hand back a tensor it (or a cache) still holds: continue with our own
                // graph-preserving view of it, never with the object itself.
                x.Dispose();
                x = TensorOps.Contiguous(r);
            }
        }
        if (cache)
        {
            // after the edits: the cache holds the edited value, so its gradient is taken at that value too
            if (_grad)
            {
                if (!x.RequiresGrad) { var leaf = x.Detach().RequireGrad(); x.Dispose(); x = leaf; }
                else x.RetainGrad();
            }
            if (_cache!.Remove(name, out var old)) old.Dispose();
            _cache[name] = x.Detach();
            if (_grad) _gradSources![name] = x;
        }
        if (_splices is not null && _splices.TryGetValue(name, out var splice))
        {
            // the spliced code reads the value as edited and cached above; the model continues with its output
            var y = splice(x, this);
            if (!ReferenceEquals(y, x))
            {
                if (!ShapeUtil.SameShape(y.Shape, x.Shape) || y.DType != x.DType)
                    throw new InvalidOperationException($"the code spliced at '{name}' returned {y.DType} [{ShapeUtil.Str(y.Shape)}] but the activation is {x.DType} [{ShapeUtil.Str(x.Shape)}].");
                x.Dispose();
                x = y;
            }
        }
        return x;
    }

    internal ActivationCache TakeCache() => new(_cache ?? new(), _gradSources);
}

// The per-forward hook state: which hooks edit values, which are cached, which need gradients.
// Model code calls At(name, x) at every hook point; when nothing was asked for, that is one branch.
using Interp.Tensors;

namespace Interp.Models;

// Callback ownership — one rule for every callback the runtime calls (HookFn, SpliceFn, and the SAE's SaeStageFn):
// a callback runs as its caller.
//   * The tensor it is given is borrowed: valid during the call; never dispose it. To keep it, take a view
//     (x.Detach()) or copy: that is the callback's own tensor, like anything else it creates.
//   * What it creates belongs to the TensorScope that was current when its caller started the pass (model.Run...,
//     sae.Forward), exactly as if the caller had created it: freed when the caller's scope ends, or, when the caller
//     has no scope, the caller's to dispose (as without scopes). So values captured in a hook — with their autograd
//     graph — stay usable after the pass.
//   * It returns that tensor, null (HookFn: unchanged), or another of the same shape and dtype; the runtime continues
//     with its own view of it and never disposes what the callback returned.
// Library callbacks (Interventions, FeatureEdits, SaeSplice) open their own scope and keep only what they return.

/// <summary>Reads an activation and may return a replacement of the same shape and dtype (or null to keep it).
/// Ownership as every callback (see the top of HookRun.cs): the argument is borrowed; what is returned is used, never
/// disposed, by the model (so returning a cached activation you still hold is safe).</summary>
public delegate Tensor? HookFn(Tensor activation, string hookName);

/// <summary>Code spliced in at a model hook (an SAE at its hook_name, say) that has hook points of its own. It gets the
/// activation at its anchor after that hook's edits and caching (borrowed), passes its intermediate values through
/// run.At(name, value) so they can be edited, cached and differentiated like any model hook, and returns what the
/// model continues with: the activation itself, or a tensor of the same shape and dtype (never disposed by the model).</summary>
public delegate Tensor SpliceFn(Tensor activation, HookRun run);

public sealed class HookRun
{
    private readonly Dictionary<string, List<HookFn>>? _fns;
    private readonly Func<string, bool>? _cacheFilter;
    private readonly bool _grad;
    private readonly Dictionary<string, Tensor>? _cache;
    private readonly Dictionary<string, Tensor>? _gradSources;
    private readonly IReadOnlyDictionary<string, SpliceFn>? _splices;
    private readonly TensorScope? _caller;   // current when the pass began: callbacks run in it
    public readonly bool Active;

    public static readonly HookRun None = new(null, null, false);

    /// <param name="caller">the TensorScope current when the pass began (callbacks create their tensors there); null: none</param>
    public HookRun(Dictionary<string, List<HookFn>>? fns, Func<string, bool>? cacheFilter, bool grad, IReadOnlyDictionary<string, SpliceFn>? splices = null,
        TensorScope? caller = null)
    {
        _caller = caller;
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

    /// <summary>Applies hooks, caching and a splice at <paramref name="name"/>. Returns x itself or its replacement;
    /// nothing is disposed here (the model's TensorScope frees what the pass made).</summary>
    public Tensor At(string name, Tensor x)
    {
        if (!Active) return x;
        bool cache = _cacheFilter?.Invoke(name) ?? false;
        if (_fns is not null && _fns.TryGetValue(name, out var list))
        {
            foreach (var fn in list)
            {
                Tensor? r;
                using (TensorScope.Enter(_caller)) r = fn(x, name);
                if (r is null || ReferenceEquals(r, x)) continue;
                if (!ShapeUtil.SameShape(r.Shape, x.Shape))
                    throw new InvalidOperationException($"hook at '{name}' returned shape [{ShapeUtil.Str(r.Shape)}] but the activation has [{ShapeUtil.Str(x.Shape)}]; a hook must keep the shape.");
                if (r.DType != x.DType) throw new InvalidOperationException($"hook at '{name}' returned {r.DType} but the activation is {x.DType}.");
                // The hook may hand back a tensor it (or a cache) still holds: continue with our own
                // graph-preserving (and contiguous) view of it.
                x = TensorOps.Contiguous(r);
            }
        }
        if (cache)
        {
            // after the edits: the cache holds the edited value, so its gradient is taken at that value too
            if (_grad)
            {
                if (!x.RequiresGrad) x = x.Detach().RequireGrad();
                else x.RetainGrad();
            }
            if (_cache!.ContainsKey(name)) throw new InvalidOperationException($"hook '{name}' was reached twice in one forward pass.");
            _cache[name] = TensorScope.Escape(x.Detach());            // the cache owns its entries
            if (_grad) _gradSources![name] = x;                       // its Grad, filled by backward, is the cache's too
        }
        if (_splices is not null && _splices.TryGetValue(name, out var splice))
        {
            // the spliced code reads the value as edited and cached above; the model continues with (its view of) its output
            Tensor y;
            using (TensorScope.Enter(_caller)) y = splice(x, this);
            if (!ReferenceEquals(y, x))
            {
                if (!ShapeUtil.SameShape(y.Shape, x.Shape) || y.DType != x.DType)
                    throw new InvalidOperationException($"the code spliced at '{name}' returned {y.DType} [{ShapeUtil.Str(y.Shape)}] but the activation is {x.DType} [{ShapeUtil.Str(x.Shape)}].");
                x = TensorOps.Contiguous(y);
            }
        }
        return x;
    }

    internal ActivationCache TakeCache() => new(_cache ?? new(), _gradSources);
}

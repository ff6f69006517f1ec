// A loaded transformer with TransformerLens hook points: Run, RunWithCache (optionally with gradients
// at the cached hooks), RunWithHooks, and scoped hooks that never outlive the call that set them.
// It owns its weights (Dispose frees them); each forward pass runs in a TensorScope and frees its intermediates.
using Interp.Tensors;

namespace Interp.Models;

public sealed class HookedTransformer : IDisposable
{
    public TransformerArchitecture Arch { get; }
    public ModelConfig Config => Arch.Config;
    /// <summary>Every hook point in forward order (name, layer, kind, symbolic shape), with the points of any attached
    /// splice (an SAE, say) right after the hook they are spliced at. Built once per model and once per splice.</summary>
    public HookTable HookTable { get; private set; }
    /// <summary>The names of <see cref="HookTable"/>, in order (the golden list per architecture, plus splices).</summary>
    public IReadOnlyList<string> HookNames => HookTable.Names;
    /// <summary>Weight processing applied at load (fold_ln, ...), recorded with every result.</summary>
    public WeightProcessing Processing { get; internal set; } = WeightProcessing.None;
    public string Source { get; init; } = "";
    /// <summary>Set by the first forward pass; weight processing refuses a model that has already run.</summary>
    internal bool HasRun { get; private set; }
    public bool IsDisposed { get; private set; }

    private readonly HookTable _modelTable;
    private readonly List<(string name, HookFn fn)> _scoped = new();
    private readonly List<(string at, HookPoint[] points, SpliceFn fn)> _splices = new();

    /// <summary>Takes ownership of the architecture's weights (they leave any TensorScope; Dispose frees them).</summary>
    public HookedTransformer(TransformerArchitecture arch)
    {
        Arch = arch;
        HookTable = _modelTable = HookTable.For(arch.Config);
    }

    public IReadOnlyDictionary<string, Tensor> Parameters => Arch.Weights;

    /// <summary>tokens [batch, pos] (I64 or I32) -> logits [batch, pos, d_vocab].</summary>
    public Tensor Run(Tensor tokens) => Forward(tokens, null, false, null, 0, null).logits;

    public Tensor RunWithHooks(Tensor tokens, params (string name, HookFn fn)[] hooks) => Forward(tokens, null, false, hooks, 0, null).logits;

    /// <summary>Runs and records the activations whose names pass <paramref name="names"/> (null = all).
    /// With <paramref name="withGrad"/>, a later Backward() from any metric of the logits fills cache.Grad(name).</summary>
    public (Tensor logits, ActivationCache cache) RunWithCache(Tensor tokens, Func<string, bool>? names = null, bool withGrad = false, params (string name, HookFn fn)[] hooks)
    {
        var (logits, run) = Forward(tokens, names ?? (_ => true), withGrad, hooks, 0, null);
        return (logits, run.TakeCache());
    }

    /// <summary>Runs the forward pass only as far as <paramref name="hookName"/> and returns its activation (after any
    /// hooks there; the caller owns it). Later layers and the unembedding never run, like TransformerLens's
    /// stop_at_layer: the pass is cut by an exception private to this method.</summary>
    public Tensor RunToHook(Tensor tokens, string hookName, params (string name, HookFn fn)[] hooks)
    {
        ValidateHookName(hookName);
        Tensor? captured = null;
        HookFn stop = (x, _) => { captured = x.Detach(); throw new StopForward(); };   // a hook runs as the caller: the view is the caller's
        try { Forward(tokens, null, false, hooks.Append((hookName, stop)).ToArray(), 0, null); }
        catch (StopForward) { }
        return captured ?? throw new InvalidOperationException($"the forward pass never reached hook '{hookName}'.");
    }

    private sealed class StopForward : Exception;

    /// <summary>Adds hooks until the returned scope is disposed.</summary>
    public IDisposable Hooks(params (string name, HookFn fn)[] hooks)
    {
        foreach (var (n, _) in hooks) ValidateHookName(n);
        _scoped.AddRange(hooks);
        return new HookScope(this, hooks);
    }

    /// <summary>Splices <paramref name="fn"/> in at the model hook <paramref name="at"/> until the returned scope is
    /// disposed: the model continues with its output, and <paramref name="points"/> (the splice's own hook names, in the
    /// order it reaches them) become valid hook names for caching, editing and gradients. One splice per hook.</summary>
    public IDisposable Splice(string at, IReadOnlyList<string> points, SpliceFn fn)
    {
        ArgumentNullException.ThrowIfNull(points);
        var layer = _modelTable.TryGet(at, out var anchor) ? anchor.Layer : null;
        return Splice(at, points.Select(n => new HookPoint(n, HookKind.Spliced, layer, Array.Empty<HookDim>(), at)).ToArray(), fn);
    }

    /// <summary>As <see cref="Splice(string, IReadOnlyList{string}, SpliceFn)"/>, with the splice's points described
    /// (kind and shape) so they appear in <see cref="HookTable"/> like the model's own (HookTable.SaePoints builds an SAE's).</summary>
    public IDisposable Splice(string at, IReadOnlyList<HookPoint> points, SpliceFn fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(points);
        if (!_modelTable.Contains(at))
        {
            ValidateHookName(at);
            throw new ArgumentException($"'{at}' is a spliced hook point; splices attach at the model's own hooks only.");
        }
        if (_splices.Any(s => s.at == at))
            throw new InvalidOperationException($"something is already spliced at '{at}'; dispose its handle before attaching another.");
        var pts = points.ToArray();
        foreach (var p in pts)
            if (string.IsNullOrEmpty(p.Name) || HookTable.Contains(p.Name) || pts.Count(o => o.Name == p.Name) > 1)
                throw new ArgumentException($"splice hook point '{p.Name}' at '{at}' is empty, given twice, or already a hook name; each must be new and unique.");
        var entry = (at, pts, fn);
        _splices.Add(entry);
        RebuildTable();
        return new SpliceScope(this, entry);
    }

    private void RebuildTable()
    {
        var t = _modelTable;
        foreach (var s in _splices) t = t.WithSplice(s.at, s.points);
        HookTable = t;
    }

    private sealed class SpliceScope(HookedTransformer m, (string, HookPoint[], SpliceFn) entry) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            m._splices.Remove(entry);
            m.RebuildTable();
        }
    }

    private sealed class HookScope(HookedTransformer m, (string, HookFn)[] hooks) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            foreach (var h in hooks) m._scoped.Remove(h);
        }
    }

    /// <summary>The forward pass: runs in its own TensorScope (each block in a nested one), so everything it makes
    /// but the logits (kept to the caller's scope) and what the caches took is freed when it returns or throws.
    /// Hooks and splices run in the caller's scope (see HookRun.cs).</summary>
    internal (Tensor logits, HookRun run) Forward(Tensor tokens, Func<string, bool>? cache, bool withGrad, (string name, HookFn fn)[]? hooks, int posOffset, KvCache? kv)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ValidateTokens(tokens, posOffset);
        HasRun = true;
        Dictionary<string, List<HookFn>>? fns = null;
        foreach (var (n, f) in _scoped.Concat(hooks ?? Array.Empty<(string, HookFn)>()))
        {
            ValidateHookName(n);
            fns ??= new Dictionary<string, List<HookFn>>(StringComparer.Ordinal);
            if (!fns.TryGetValue(n, out var list)) fns[n] = list = new List<HookFn>();
            list.Add(f);
        }
        var splices = _splices.Count == 0 ? null : _splices.ToDictionary(s => s.at, s => s.fn, StringComparer.Ordinal);
        var run = fns is null && cache is null && splices is null ? HookRun.None : new HookRun(fns, cache, withGrad, splices, TensorScope.Current);
        using var scope = TensorScope.Begin();
        var logits = Arch.Forward(tokens, run, posOffset, kv);
        return (scope.Keep(logits), run);
    }

    /// <summary>Throws an ArgumentException naming the nearest valid hooks when <paramref name="name"/> is not one.</summary>
    public void ValidateHookName(string name) => HookTable.IndexOf(name);

    /// <summary>Frees the weights (and their gradients). Hooks, splices and caches made from this model must not be used after.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Arch.DisposeWeights();
    }

    public void ValidateTokens(Tensor tokens, int posOffset = 0)
    {
        if (tokens.DType is not (DType.I64 or DType.I32))
            throw new ArgumentException($"token ids must be an I64 or I32 tensor, got {tokens.DType}.");
        if (tokens.Rank != 2) throw new ArgumentException($"token ids must have shape [batch, pos], got [{ShapeUtil.Str(tokens.Shape)}].");
        if (tokens.Numel == 0) throw new ArgumentException("empty input: at least one token is needed.");
        if (posOffset + tokens.Shape[1] > Config.NCtx)
            throw new ArgumentException($"sequence of {posOffset + tokens.Shape[1]} positions is longer than the model's context ({Config.NCtx}); truncate or split the input.");
        using var c = tokens.Contiguous();
        long min = long.MaxValue, max = long.MinValue; int at = -1;
        if (c.DType == DType.I64) { var s = c.Span<long>(); for (int i = 0; i < s.Length; i++) { if (s[i] < min) min = s[i]; if (s[i] > max) { max = s[i]; } if ((s[i] < 0 || s[i] >= Config.DVocab) && at < 0) at = i; } }
        else { var s = c.Span<int>(); for (int i = 0; i < s.Length; i++) { if (s[i] < min) min = s[i]; if (s[i] > max) max = s[i]; if ((s[i] < 0 || s[i] >= Config.DVocab) && at < 0) at = i; } }
        if (at >= 0)
            throw new ArgumentException($"token id out of range at [{at / tokens.Shape[1]}, {at % tokens.Shape[1]}]: ids must be in 0..{Config.DVocab - 1} (found min {min}, max {max}); was the text tokenized with this model's tokenizer?");
    }
}

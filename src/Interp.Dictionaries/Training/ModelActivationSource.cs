// Activations at one hook of a HookedTransformer over a corpus: contexts from a ContextStream are run through the
// model store_batch_size_prompts at a time, and the hook's rows ([batch·pos, d_in], flattened heads or one head as
// the SAE reads them) are handed out in order. The forward pass is cut short at the hook (layers after it are not
// run, HookedTransformer.RunToHook); each batch runs in its own TensorScope.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries.Training;

public sealed class ModelActivationSource : IActivationSource
{
    private readonly HookedTransformer _model;
    private readonly bool _ownsModel;
    private readonly string _hook;
    private readonly HookLayout _layout;
    private readonly ContextStream _contexts;
    private readonly int _batchPrompts;
    private readonly HashSet<long> _exclude;
    private readonly float[] _pend;          // [rows of one model batch, d_in]
    private int _pendStart, _pendRows;       // rows [start, start + rows) are still to hand out
    private readonly long[] _ids;            // [batch prompts, context_size]

    public int DIn { get; }
    /// <summary>The model hook read (its HookTable record: layer, kind, shape).</summary>
    public HookPoint Hook { get; }
    /// <summary>Forward passes run so far (for throughput reports).</summary>
    public long ForwardPasses { get; private set; }

    /// <param name="exclude">token ids whose positions give no activation rows (exclude_special_tokens)</param>
    /// <param name="ownsModel">dispose <paramref name="model"/> with this source (the contexts are always this source's)</param>
    public ModelActivationSource(HookedTransformer model, string hookName, int? hookHeadIndex, ContextStream contexts, int batchPrompts, IEnumerable<long>? exclude = null,
        bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(contexts);
        if (batchPrompts < 1) throw new ArgumentOutOfRangeException(nameof(batchPrompts), $"store_batch_size_prompts = {batchPrompts} must be >= 1.");
        if (contexts.ContextSize > model.Config.NCtx)
            throw new ArgumentException($"context_size = {contexts.ContextSize} is longer than the model's context ({model.Config.NCtx}); lower context_size.");
        _model = model; _ownsModel = ownsModel; _hook = hookName; _contexts = contexts; _batchPrompts = batchPrompts;
        DIn = HookWidth(model, hookName, hookHeadIndex, out _layout);
        Hook = model.HookTable[hookName];
        _exclude = new HashSet<long>(exclude ?? Array.Empty<long>());
        _ids = new long[batchPrompts * contexts.ContextSize];
        _pend = new float[(long)batchPrompts * contexts.ContextSize * DIn <= int.MaxValue ? batchPrompts * contexts.ContextSize * DIn
            : throw new ArgumentException($"store_batch_size_prompts × context_size × d_in = {(long)batchPrompts * contexts.ContextSize * DIn} floats is too large; lower store_batch_size_prompts.")];
    }

    /// <summary>The width of <paramref name="hookName"/> as an SAE reads it (after checking the name, with the nearest
    /// valid names in the error); derived from the model's config, no forward pass.</summary>
    public static int HookWidth(HookedTransformer model, string hookName, int? hookHeadIndex) => HookWidth(model, hookName, hookHeadIndex, out _);

    private static int HookWidth(HookedTransformer model, string hookName, int? hookHeadIndex, out HookLayout layout)
    {
        layout = HookLayout.Describe(model.HookTable[hookName], hookHeadIndex);
        return layout.Width;
    }

    public void Read(Span<float> dst)
    {
        if (dst.Length % DIn != 0) throw new ArgumentException($"Read needs whole rows of d_in = {DIn}; got {dst.Length} floats.");
        int need = dst.Length / DIn, at = 0;
        while (need > 0)
        {
            if (_pendRows == 0) RunBatch();
            int take = Math.Min(need, _pendRows);
            _pend.AsSpan(_pendStart * DIn, take * DIn).CopyTo(dst.Slice(at * DIn));
            _pendStart += take; _pendRows -= take; at += take; need -= take;
        }
    }

    /// <summary>One forward pass over the next store_batch_size_prompts contexts, stopped at the hook.</summary>
    private void RunBatch()
    {
        int t = _contexts.ContextSize;
        for (int b = 0; b < _batchPrompts; b++) _contexts.Next(_ids.AsSpan(b * t, t));
        using var scope = TensorScope.Begin();
        using var _ = Tensor.NoGrad();
        _pendStart = 0; _pendRows = 0;
        Capture(_model.RunToHook(Tensor.FromArray(_ids, _batchPrompts, t), _hook));
        ForwardPasses++;
        if (_pendRows == 0 && _exclude.Count == 0) throw new InvalidOperationException($"the forward pass never reached hook '{_hook}'.");
    }

    private void Capture(Tensor act)
    {
        var src = TensorOps.Contiguous(_layout.Read(act, _hook)).Span<float>();   // [batch·pos, d_in], in RunBatch's scope
        int rows = src.Length / DIn, n = 0;
        for (int r = 0; r < rows; r++)
        {
            if (_exclude.Count > 0 && _exclude.Contains(_ids[r])) continue;
            src.Slice(r * DIn, DIn).CopyTo(_pend.AsSpan(n * DIn, DIn));
            n++;
        }
        _pendRows = n;
    }

    public ActivationSourceState GetState() =>
        new(new[] { _contexts.Epoch, _contexts.ContextInEpoch }, _pend.AsSpan(_pendStart * DIn, _pendRows * DIn).ToArray());

    public void LoadState(ActivationSourceState state)
    {
        if (state.Position.Length != 2) throw new ArgumentException($"a model activation position is (epoch, context); got {state.Position.Length} numbers.");
        if (state.Pending.Length % DIn != 0 || state.Pending.Length > _pend.Length)
            throw new ArgumentException($"{state.Pending.Length} pending floats do not make whole rows of d_in = {DIn} within one model batch.");
        _contexts.SkipTo(state.Position[0], state.Position[1]);
        state.Pending.CopyTo(_pend, 0);
        _pendStart = 0; _pendRows = state.Pending.Length / DIn;
    }

    public void Dispose()
    {
        _contexts.Dispose();
        if (_ownsModel) _model.Dispose();
    }
}

// Reverse-mode autodiff on Tensor: RequiresGrad on leaves, Grad accumulation, RetainGrad on
// intermediates, Detach, and Backward from a scalar or with an explicit seed gradient of any shape.
namespace Interp.Tensors;

public sealed partial class Tensor
{
    private bool _requiresGrad;
    internal Node? GradFn;
    private bool _retainGrad;

    private Tensor? _grad;

    /// <summary>Accumulated gradient (leaves, and intermediates that called RetainGrad()). This tensor owns it: a tensor
    /// assigned here leaves its TensorScope; it is disposed when replaced (by another assignment, ZeroGrad) or when
    /// this tensor is disposed.</summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            var old = _grad;
            _grad = value is null ? null : TensorScope.Escape(value);
            if (old is not null && !ReferenceEquals(old, value)) old.Dispose();
        }
    }

    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && !DTypeInfo.IsFloat(DType)) throw new InvalidOperationException($"only float tensors can require gradients (this one is {DType}).");
            if (!value && GradFn is not null) throw new InvalidOperationException("RequiresGrad can only be cleared on a leaf; use Detach() for an intermediate.");
            _requiresGrad = value;
        }
    }

    public bool IsLeaf => GradFn is null;

    public static IDisposable NoGrad() => GradMode.NoGrad();

    /// <summary>Keep Grad on this non-leaf after Backward (TransformerLens-style grad at a hook).</summary>
    public Tensor RetainGrad()
    {
        if (!RequiresGrad) throw new InvalidOperationException("RetainGrad() on a tensor that does not require grad: nothing will flow into it.");
        _retainGrad = true;
        return this;
    }

    /// <summary>A view on the same storage that is cut from the graph.</summary>
    public Tensor Detach() => ViewOf(Shape, Strides, Offset);

    /// <summary>Marks this tensor as a leaf that needs gradients; returns it (fluent).</summary>
    public Tensor RequireGrad() { RequiresGrad = true; return this; }

    /// <summary>Records the op that produced <paramref name="output"/> if any input requires grad.</summary>
    internal static Tensor Record(Tensor output, string op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, params Tensor[] saved)
    {
        if (!NeedsGrad(inputs)) return output;
        output._requiresGrad = true;
        output.GradFn = new Node(op, inputs, backward, saved);
        TensorScope.Track(output.GradFn, output);
        return output;
    }

    internal static bool NeedsGrad(params Tensor[] inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var i in inputs) if (i.RequiresGrad) return true;
        return false;
    }

    /// <summary>Backpropagates from this tensor. Without a seed it must hold one element (seed 1).</summary>
    public void Backward(Tensor? seed = null, bool retainGraph = false)
    {
        if (!RequiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require grad: no input had RequiresGrad, or it was made under NoGrad().");
        Tensor g0;
        if (seed is null)
        {
            if (Numel != 1) throw new InvalidOperationException($"Backward() without a seed needs a one-element output; this one has shape [{ShapeUtil.Str(Shape)}]. Pass a seed gradient of that shape.");
            g0 = DType == DType.F64 ? FromArray(new[] { 1.0 }, Shape) : FromArray(new[] { 1f }, Shape);
        }
        else
        {
            if (!ShapeUtil.SameShape(seed.Shape, Shape)) throw new ArgumentException($"seed gradient has shape [{ShapeUtil.Str(seed.Shape)}] but the output has [{ShapeUtil.Str(Shape)}].");
            if (seed.DType != DType) throw new ArgumentException($"seed gradient is {seed.DType} but the output is {DType}.");
            g0 = seed;
        }

        // Topological order over tensors that have a node, by iterative DFS.
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor t, bool expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (expanded) { order.Add(t); continue; }
            if (!seen.Add(t)) continue;
            stack.Push((t, true));
            if (t.GradFn is { } n)
            {
                if (n.Freed) n.Apply(g0); // throws the clear "second backward" error
                foreach (var i in n.Inputs) if (i.RequiresGrad && !seen.Contains(i)) stack.Push((i, false));
            }
        }

        // Every gradient held in `grads` is a handle owned by this loop and disposed once consumed, so
        // backward passes in a loop reuse pooled buffers instead of allocating fresh ones each step.
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [this] = seed is null ? g0 : seed.Detach() };
        using (GradMode.NoGrad())
        {
            var seenOutputs = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            for (int k = order.Count - 1; k >= 0; k--)
            {
                var t = order[k];
                if (!grads.Remove(t, out var g)) continue;
                if (t.GradFn is null || t._retainGrad) t.AccumulateGrad(g);
                if (t.GradFn is { } node)
                {
                    long t0 = BackwardProfiler.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
                    var ins = node.Apply(g);
                    if (BackwardProfiler.Enabled) BackwardProfiler.Add(node.Op, System.Diagnostics.Stopwatch.GetTimestamp() - t0);
                    if (!retainGraph) node.Free();
                    seenOutputs.Clear();
                    for (int j = 0; j < ins.Length; j++)
                    {
                        var gi = ins[j];
                        var input = node.Inputs[j];
                        if (gi is null || !input.RequiresGrad) continue;
                        if (!ShapeUtil.SameShape(gi.Shape, input.Shape))
                            throw new InvalidOperationException($"backward of '{node.Op}' produced a gradient of shape [{ShapeUtil.Str(gi.Shape)}] for an input of shape [{ShapeUtil.Str(input.Shape)}].");
                        // A closure may hand back its incoming gradient or one object for two inputs: take our own handle then.
                        if (ReferenceEquals(gi, g) || !seenOutputs.Add(gi)) gi = gi.Detach();
                        if (grads.TryGetValue(input, out var prev))
                        {
                            grads[input] = TensorOps.Add(prev, gi);
                            prev.Dispose(); gi.Dispose();
                        }
                        else grads[input] = gi;
                    }
                }
                g.Dispose();
            }
        }
    }

    private void AccumulateGrad(Tensor g)
    {
        using (GradMode.NoGrad())
        {
            // Grad is its own handle (a view of g when g is already laid out contiguously), never g itself.
            var gc = TensorOps.ContiguousNoGrad(g);
            if (Grad is null) Grad = gc;
            else { Grad = TensorOps.Add(Grad, gc); gc.Dispose(); }   // the setter disposes the previous sum
        }
    }

    /// <summary>Clears (and disposes) Grad (optimizers call this between steps).</summary>
    public void ZeroGrad() => Grad = null;
}

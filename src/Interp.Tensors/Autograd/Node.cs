// One recorded operation in the reverse-mode graph: its inputs and a closure that maps the gradient
// of its output to gradients of its inputs. Saved tensors are retained so user disposal can't free them.
namespace Interp.Tensors;

internal sealed class Node
{
    public readonly string Op;
    public readonly Tensor[] Inputs;
    private Func<Tensor, Tensor?[]>? _backward;
    private Tensor[] _saved;
    public bool Freed { get; private set; }
    /// <summary>The TensorScope that frees this node if no kept tensor's graph needs it (null: backward or the GC does).</summary>
    internal TensorScope? Scope;
    /// <summary>Creation order (process-wide): a node can only read tensors, and so nodes, made before it.</summary>
    internal readonly long Seq = Interlocked.Increment(ref _lastSeq);
    private static long _lastSeq;
    internal static long LastSeq => Interlocked.Read(ref _lastSeq);

    public Node(string op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, Tensor[] saved)
    {
        Op = op;
        Inputs = inputs;
        _backward = backward;
        _saved = saved;
        foreach (var s in saved) s.Storage.Retain();
        foreach (var i in inputs) i.Storage.Retain();
    }

    public Tensor?[] Apply(Tensor gradOutput)
    {
        if (Freed || _backward is null)
            throw new InvalidOperationException(
                $"Trying to run backward through '{Op}' a second time, but its saved values were freed after the first backward. " +
                "Pass retainGraph: true to the first Backward() if you need to backward twice.");
        var g = _backward(gradOutput);
        if (g.Length != Inputs.Length) throw new InvalidOperationException($"backward of '{Op}' returned {g.Length} gradients for {Inputs.Length} inputs.");
        return g;
    }

    public void Free()
    {
        if (Freed) return;
        Freed = true;
        _backward = null;
        foreach (var s in _saved) s.Storage.Release();
        foreach (var i in Inputs) i.Storage.Release();
        _saved = Array.Empty<Tensor>();
    }
}

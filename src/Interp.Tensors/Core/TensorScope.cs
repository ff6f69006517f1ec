// Tensor lifetimes by region: `using var scope = TensorScope.Begin()` frees, when disposed, every tensor created on
// this thread while it was the innermost scope, except those kept (moved to the enclosing scope) or escaped (owned
// by an object from then on). Autograd nodes follow their tensors: a node that a kept tensor's graph still needs
// moves out with it (so backward works later); the others are freed with the scope. Not a thread pool or allocator.
namespace Interp.Tensors;

/// <summary>
/// A region that owns the tensors created inside it. Scopes nest and are thread-local; without a scope a tensor
/// belongs to whoever holds it (and is freed by Dispose or, failing that, by the GC).
/// <list type="bullet">
/// <item><c>Keep(t)</c>: t outlives this scope and belongs to the enclosing one (or, outermost, to the caller).</item>
/// <item><c>Adopt(t)</c>: t (made elsewhere) is freed with this scope.</item>
/// <item><c>TensorScope.Escape(t)</c>: t leaves every scope; the object that stores it (a model, a cache, an
/// optimizer) disposes it.</item>
/// <item><c>TensorScope.Enter(s)</c>: run a callback as its caller (what it creates belongs to the caller's scope s).</item>
/// </list>
/// Tensors the autograd tape still needs stay readable after their handle is freed: each recorded node holds its
/// inputs' and saved values' storage until backward (or this scope, when no kept tensor's graph reaches it) frees it.
/// A scope must not be awaited across (it belongs to one thread).
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    // While callbacks run as their callers (Enter, possibly nested), the scopes they interrupted: what a callback makes
    // may read those scopes' nodes, so it is recorded there too, as a root that keeps those nodes.
    [ThreadStatic] private static Interruption? _interrupted;
    private sealed record Interruption(TensorScope Scope, Interruption? Outer);

    private readonly TensorScope? _parent;
    private readonly int _thread;
    private readonly long _beginSeq;          // nodes made before this scope began cannot read its tensors
    private List<Tensor> _tensors = new();
    private List<Node>? _nodes;
    private List<Tensor>? _foreign;           // made by callbacks during this scope, owned elsewhere
    private int _compactAt = 1024;
    private bool _disposed;

    private TensorScope(TensorScope? parent)
    {
        _parent = parent;
        _thread = Environment.CurrentManagedThreadId;
        _beginSeq = Node.LastSeq + 1;
    }

    /// <summary>Opens a scope nested in the current one (on this thread); dispose it to free what it owns.</summary>
    public static TensorScope Begin()
    {
        var s = new TensorScope(_current);
        _current = s;
        return s;
    }

    /// <summary>The innermost open scope of this thread, or null.</summary>
    public static TensorScope? Current => _current;

    /// <summary>Tensors this scope would free now (diagnostics and tests).</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var t in _tensors) if (ReferenceEquals(t.Scope, this) && !t.IsDisposed) n++;
            return n;
        }
    }

    /// <summary>Moves <paramref name="t"/> to the enclosing scope (outermost: to the caller, who disposes it) and
    /// returns it. A tensor this scope does not own (made before it began, or escaped) is returned unchanged.</summary>
    public Tensor Keep(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        CheckOpen("Keep");
        if (!ReferenceEquals(t.Scope, this))
        {
            if (t.Scope is { } other && other.IsInside(this))
                throw new InvalidOperationException("Keep: the tensor belongs to a scope nested inside this one that is still open; keep it there first.");
            return t;
        }
        if (t.IsDisposed) throw new InvalidOperationException("Keep: the tensor was already disposed; keep it before disposing it.");
        t.Scope = null;
        _parent?.Add(t);
        return t;
    }

    /// <summary>Keeps each non-null tensor (see <see cref="Keep(Tensor)"/>).</summary>
    public void Keep(params Tensor?[] tensors)
    {
        foreach (var t in tensors) if (t is not null) Keep(t);
    }

    /// <summary>Makes this scope free <paramref name="t"/> (taken from whichever scope or holder had it) and returns it.</summary>
    public Tensor Adopt(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        CheckOpen("Adopt");
        if (ReferenceEquals(t.Scope, this) || t.IsDisposed) return t;
        if (t.Scope is { } other) other.CheckThread("Adopt");
        Add(t);
        return t;
    }

    /// <summary>Takes <paramref name="t"/> out of every scope: from now on the object that stores it owns it and
    /// disposes it. Use it where a tensor is stored beyond the call that made it (weights, caches, optimizer state).</summary>
    public static Tensor Escape(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Scope is { } s)
        {
            s.CheckThread("Escape");
            t.Scope = null;
        }
        return t;
    }

    /// <summary>Makes <paramref name="scope"/> — an open scope of this thread that encloses the current one, or null for
    /// none — the current scope until the result is disposed. The runtime calls user callbacks (hooks) this way, so
    /// what a callback creates belongs to the scope its caller was in when it started the call, as if the caller had
    /// created it (and with no scope, to the callback's own code, as without scopes).</summary>
    public static IDisposable Enter(TensorScope? scope)
    {
        var prev = _current;
        if (scope is not null)
        {
            scope.CheckOpen("Enter");
            bool encloses = false;
            for (var s = prev; s is not null && !encloses; s = s._parent) encloses = ReferenceEquals(s, scope);
            if (!encloses) throw new InvalidOperationException("TensorScope.Enter: the scope does not enclose the current one on this thread.");
        }
        var restore = new Restore(prev, _interrupted);
        if (prev is not null && !ReferenceEquals(scope, prev)) _interrupted = new Interruption(prev, _interrupted);
        _current = scope;
        return restore;
    }

    private sealed class Restore(TensorScope? previous, Interruption? interrupted) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _current = previous;
            _interrupted = interrupted;
        }
    }

    /// <summary>Called by every tensor constructor: the innermost scope of this thread (if any) owns it.</summary>
    internal static void Track(Tensor t)
    {
        _current?.Add(t);
        for (var i = _interrupted; i is not null; i = i.Outer)
            if (!ReferenceEquals(i.Scope, _current)) (i.Scope._foreign ??= new List<Tensor>()).Add(t);
    }

    /// <summary>Called when an autograd node is recorded for <paramref name="output"/>: it lives in the output's scope.</summary>
    internal static void Track(Node n, Tensor output)
    {
        if (output.Scope is not { } s) return;
        n.Scope = s;
        (s._nodes ??= new List<Node>()).Add(n);
    }

    private void Add(Tensor t)
    {
        t.Scope = this;
        _tensors.Add(t);
        if (_tensors.Count >= _compactAt) Compact();
    }

    /// <summary>Drops entries for tensors already disposed or moved, so a long-lived scope does not grow without bound.
    /// Entries whose autograd node this scope owns stay: a kept one is where Dispose starts looking for nodes to keep.</summary>
    private void Compact()
    {
        bool Live(Node? n) => n is not null && ReferenceEquals(n.Scope, this) && !n.Freed;
        _tensors.RemoveAll(t => (!ReferenceEquals(t.Scope, this) || t.IsDisposed) && !Live(t.GradFn));
        _nodes?.RemoveAll(n => !Live(n));
        _foreign?.RemoveAll(t => t.IsDisposed || t.GradFn is null);
        _compactAt = Math.Max(1024, 2 * _tensors.Count);
    }

    /// <summary>Frees what this scope owns (closing any scope still open inside it first).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        CheckThread("Dispose");
        if (!IsOpenOnThisThread())
            throw new InvalidOperationException("TensorScope.Dispose: this scope is not open on this thread (disposed out of order?).");
        while (_current is { } inner && !ReferenceEquals(inner, this)) inner.Dispose();
        _disposed = true;
        _current = _parent;
        var tensors = _tensors;
        _tensors = new List<Tensor>();
        var foreign = _foreign;
        _foreign = null;
        if (_nodes is { Count: > 0 } nodes) ReleaseNodes(nodes, tensors, foreign);
        _nodes = null;
        if (foreign is not null && _parent is not null)   // they may read the enclosing scope's nodes too
            foreach (var t in foreign) if (!t.IsDisposed && t.GradFn is not null) (_parent._foreign ??= new List<Tensor>()).Add(t);
        List<Exception>? errors = null;
        foreach (var t in tensors)
        {
            if (!ReferenceEquals(t.Scope, this)) continue;
            t.Scope = null;
            try { t.Dispose(); }
            catch (ObjectDisposedException e) { (errors ??= new()).Add(e); }
        }
        if (errors is not null) throw new AggregateException("TensorScope.Dispose: some tensors were over-released.", errors);
    }

    /// <summary>Nodes reachable from a tensor that left this scope (kept or escaped), or from one a callback made during
    /// it, move to the enclosing scope; the rest can never be reached by a backward pass and are freed now (releasing the
    /// storage they hold). The walk passes through other scopes' nodes made during this scope (a callback's), never
    /// through older ones (they cannot read this scope's tensors).</summary>
    private void ReleaseNodes(List<Node> nodes, List<Tensor> tensors, List<Tensor>? foreign)
    {
        var stack = new Stack<Node>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        void Visit(Node? n)
        {
            if (n is null || n.Seq < _beginSeq || !seen.Add(n)) return;
            stack.Push(n);
        }
        foreach (var t in tensors) if (!ReferenceEquals(t.Scope, this)) Visit(t.GradFn);
        if (foreign is not null) foreach (var t in foreign) if (!t.IsDisposed) Visit(t.GradFn);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (ReferenceEquals(n.Scope, this))
            {
                n.Scope = _parent;
                if (_parent is not null) (_parent._nodes ??= new List<Node>()).Add(n);
            }
            foreach (var i in n.Inputs) Visit(i.GradFn);
        }
        foreach (var n in nodes)
            if (ReferenceEquals(n.Scope, this)) { n.Scope = null; n.Free(); }
    }

    private bool IsInside(TensorScope outer)
    {
        for (var s = _parent; s is not null; s = s._parent) if (ReferenceEquals(s, outer)) return true;
        return false;
    }

    private bool IsOpenOnThisThread()
    {
        for (var s = _current; s is not null; s = s._parent) if (ReferenceEquals(s, this)) return true;
        return false;
    }

    private void CheckOpen(string op)
    {
        CheckThread(op);
        if (_disposed) throw new ObjectDisposedException(nameof(TensorScope), $"{op} on a TensorScope that was already disposed.");
    }

    private void CheckThread(string op)
    {
        if (_thread != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException($"TensorScope.{op}: a scope belongs to the thread that began it; hand tensors to another thread only after keeping them out of the scope (TensorScope.Escape).");
    }
}

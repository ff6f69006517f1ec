// Whether new operations are recorded for backward. `using (Tensor.NoGrad()) { ... }` turns recording off
// for the current thread; scopes nest.
namespace Interp.Tensors;

public static class GradMode
{
    [ThreadStatic] private static int _noGradDepth;

    public static bool IsEnabled => _noGradDepth == 0;

    public static IDisposable NoGrad() { _noGradDepth++; return new Scope(); }

    private sealed class Scope : IDisposable
    {
        private bool _done;
        public void Dispose() { if (!_done) { _done = true; _noGradDepth--; } }
    }
}

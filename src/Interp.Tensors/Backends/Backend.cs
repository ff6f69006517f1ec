// Chooses the active backend once. Auto: the managed AVX-512 GEMM where the CPU has AVX-512 (Debian's
// OpenBLAS 0.3.21 runs its AVX2 kernel there and measures about half as fast), else OpenBLAS when
// libopenblas.so.0 loads, else the managed AVX2 GEMM.
// INTERP_BACKEND=managed|openblas forces one (tests use Backend.Use to compare both).
namespace Interp.Tensors;

public static class Backend
{
    private static IBackend? _current;

    public static IBackend Current
    {
        get => _current ??= Choose(Environment.GetEnvironmentVariable("INTERP_BACKEND"));
        set => _current = value ?? throw new ArgumentNullException(nameof(value));
    }

    public static IBackend Managed { get; } = new ManagedBackend();

    /// <summary>The OpenBLAS backend, or null when the library is not installed (apt-get install -y libopenblas0-pthread).</summary>
    public static IBackend? OpenBlas => OpenBlasBackend.TryCreate();

    public static IBackend Choose(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "auto" => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? Managed : (IBackend?)OpenBlasBackend.TryCreate() ?? Managed,
        "managed" => Managed,
        "openblas" => OpenBlasBackend.TryCreate() ?? throw new InvalidOperationException(
            "INTERP_BACKEND=openblas but libopenblas.so.0 could not be loaded; install it with `apt-get install -y libopenblas0-pthread` or unset INTERP_BACKEND."),
        _ => throw new ArgumentException($"unknown backend '{name}'; expected auto, managed or openblas."),
    };

    /// <summary>Switches the backend for a scope (tests comparing backends).</summary>
    public static IDisposable Use(IBackend backend)
    {
        var prev = Current;
        Current = backend;
        return new Restore(prev);
    }

    private sealed class Restore(IBackend prev) : IDisposable
    {
        public void Dispose() => Current = prev;
    }
}

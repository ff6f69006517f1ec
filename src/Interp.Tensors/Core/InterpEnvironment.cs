// The environment variables Interp reads (INTERP_BACKEND, INTERP_THREADS, INTERP_PROFILE_BACKWARD), validated in one
// place: a bad value is a ConfigException naming the variable, never silently ignored. Hosts call Apply() at start.
using System.Globalization;
using Interp.Errors;

namespace Interp.Tensors;

public static class InterpEnvironment
{
    public const string BackendVariable = "INTERP_BACKEND", ThreadsVariable = "INTERP_THREADS", ProfileVariable = "INTERP_PROFILE_BACKWARD";

    /// <summary>Validates the variables and applies them (backend, thread count, backward profiling).</summary>
    public static void Apply(Func<string, string?>? get = null)
    {
        get ??= Environment.GetEnvironmentVariable;
        string? threads = get(ThreadsVariable), backend = get(BackendVariable), profile = get(ProfileVariable);
        if (!string.IsNullOrEmpty(threads))
        {
            if (!int.TryParse(threads.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > 4096)
                throw new ConfigException($"{ThreadsVariable}='{threads}' is not a thread count", "environment", ThreadsVariable,
                    $"set it to a whole number from 1 to 4096 (this machine has {Environment.ProcessorCount} processors), or unset it");
            Par.Threads = n;
        }
        if (!string.IsNullOrEmpty(profile) && profile is not ("0" or "1"))
            throw new ConfigException($"{ProfileVariable}='{profile}' must be 0 or 1", "environment", ProfileVariable, "set it to 1 to profile, or unset it");
        BackwardProfiler.Enabled = profile == "1";
        try { Backend.Current = Backend.Choose(backend); }
        catch (ArgumentException) { throw new ConfigException($"{BackendVariable}='{backend}' is not a backend", "environment", BackendVariable, "use auto, managed or openblas, or unset it"); }
        catch (InvalidOperationException e) { throw new ConfigException(e.Message.TrimEnd('.'), "environment", BackendVariable, null); }
    }
}

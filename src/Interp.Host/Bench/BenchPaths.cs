// Where cases find the repository's embedded models: `interp bench` runs from the repository root (as the other cases'
// relative evals/ paths assume); spawned processes get absolute paths.
namespace Interp.Host.Bench;

internal static class BenchPaths
{
    public static string Repo => Directory.GetCurrentDirectory();
}

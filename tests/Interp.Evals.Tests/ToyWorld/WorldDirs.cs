// Test helpers: a temporary folder deleted on dispose, and one shared plain-text toy world (seed 1, 1500 documents)
// that read-only tests open instead of each generating their own.
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.ToyWorld;

internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-toyworld-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class SharedWorld
{
    public static readonly ToyWorldOptions Options = new(Seed: 1, Docs: 1500, MaxTokens: 64, EvalPrompts: 200);

    private static readonly Lazy<TempDir> Dir = new(() =>
    {
        var d = new TempDir();
        ToyWorldWriter.Write(Options, d.Path, gzip: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => d.Dispose();
        return d;
    });

    public static string Path => Dir.Value.Path;

    private static readonly Lazy<ToyDocument[]> Docs = new(() => ToyWorldFiles.ReadDocuments(Path).ToArray());

    /// <summary>The corpus as read back from corpus.txt + labels.jsonl.</summary>
    public static ToyDocument[] Documents => Docs.Value;
}

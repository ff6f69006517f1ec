// A real latent cache for labeling tests, built once per test run: the embedded toy-small model and its shipped SAE
// (evals/) over the first documents of the shipped toy world, as token ids. Also hand-made example windows and the
// repository paths the tests use. Everything lives in a temp folder removed at the end.
using Interp.Agent.Labeling.Examples;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Evals.ToyWorld;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Agent.Tests.Labeling;

public sealed class ToyCacheFixture : IDisposable
{
    public const int Docs = 240, ContextLength = 64;

    public static string RepoRoot { get; } = FindRoot();
    public static string ModelDir => Path.Combine(RepoRoot, "evals", "models", "toy-small");
    public static string SaeDir => Path.Combine(RepoRoot, "evals", "saes", "toy-small-resid2-topk");
    public static string WorldDir => Path.Combine(RepoRoot, "evals", "worlds", "toy-v1");

    public string Dir { get; } = Directory.CreateTempSubdirectory("interp-label-").FullName;
    public string CachePath { get; }
    public string IdsPath { get; }
    public int DSae { get; }

    public ToyCacheFixture()
    {
        var model = ModelLoader.Load(ModelDir);
        var tok = TokenizerLoader.Load(ModelDir);
        using var sae = Sae.Load(SaeDir);
        DSae = sae.DSae;
        IdsPath = Path.Combine(Dir, "toy-ids.txt");
        System.IO.File.WriteAllLines(IdsPath, ToyWorldFiles.ReadCorpus(WorldDir).Take(Docs)
            .Select(d => string.Join(' ', d.Select(w => tok.TokenToId(w) ?? throw new InvalidDataException($"'{w}' not in the toy vocabulary")))));
        CachePath = Path.Combine(Dir, "toy.cache.db");
        LatentCacheBuilder.Build(CachePath, model, sae, Corpus.Ids(IdsPath, model.Config.DVocab), CacheInputs.FromDirectories(ModelDir, SaeDir),
            new LatentCacheOptions(ContextLength: ContextLength, BatchSize: 16), tok);
    }

    public string File(string name) => Path.Combine(Dir, name);

    /// <summary>A window of hand-chosen tokens and activations.</summary>
    public static LabelingExample Window(string set, string kind, long context, string[] tokens, float[] acts) =>
        new(set, kind, context, 0, null, Enumerable.Range(0, tokens.Length).ToArray(), tokens, acts);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (System.IO.File.Exists(Path.Combine(d.FullName, "Agent.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"no Agent.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ToyCacheCollection : ICollectionFixture<ToyCacheFixture>
{
    public const string Name = "toy cache";
}

// What the `interp label` CLI tests share: the repository's embedded toy-small model and SAE, a latent cache of them over
// the first toy-world documents, and a runner for the built `interp` executable as a child process.
using System.Diagnostics;
using Interp.Dictionaries;
using Interp.Dictionaries.Cache;
using Interp.Evals.ToyWorld;
using Interp.Models;
using Interp.Models.Tokenizers;

namespace Interp.Host.Tests.Label;

public sealed class LabelCliFixture : IDisposable
{
    public static string Root { get; } = FindRoot();
    public static string ModelDir => Path.Combine(Root, "evals", "models", "toy-small");
    public static string SaeDir => Path.Combine(Root, "evals", "saes", "toy-small-resid2-topk");
    public static string EnglishSaeDir => Path.Combine(Root, "evals", "saes", "english-small-resid2-topk");

    public string Dir { get; } = Directory.CreateTempSubdirectory("interp-label-cli-").FullName;
    public string CachePath { get; }

    public LabelCliFixture()
    {
        var model = ModelLoader.Load(ModelDir);
        var tok = TokenizerLoader.Load(ModelDir);
        using var sae = Sae.Load(SaeDir);
        var ids = Path.Combine(Dir, "ids.txt");
        System.IO.File.WriteAllLines(ids, ToyWorldFiles.ReadCorpus(Path.Combine(Root, "evals", "worlds", "toy-v1")).Take(240)
            .Select(d => string.Join(' ', d.Select(w => tok.TokenToId(w)!.Value))));
        CachePath = Path.Combine(Dir, "cache.db");
        LatentCacheBuilder.Build(CachePath, model, sae, Corpus.Ids(ids, model.Config.DVocab), CacheInputs.FromDirectories(ModelDir, SaeDir),
            new LatentCacheOptions(ContextLength: 64, BatchSize: 16), tok);
    }

    public string File(string name) => Path.Combine(Dir, name);

    public static ProcessStartInfo Interp(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = Root };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "interp.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs `interp args` to the end (at most 10 minutes): exit code, stdout, stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var p = Process.Start(Interp(args))!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10))) { p.Kill(entireProcessTree: true); throw new TimeoutException($"interp {string.Join(' ', args)} ran over 10 minutes"); }
        return (p.ExitCode, o.Result, e.Result);
    }

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
public sealed class LabelCliCollection : ICollectionFixture<LabelCliFixture>
{
    public const string Name = "label cli";
}

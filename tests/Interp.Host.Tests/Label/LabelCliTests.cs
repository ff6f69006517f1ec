// `interp label` as a person runs it: a real SIGKILL in the middle of a run leaves a readable store and the same command
// finishes it with exactly the records of an uninterrupted run; show and report read the store; bad input (a cache of
// another SAE or model, features outside the SAE, an LLM run without its configuration file, a missing store) exits 2 with one clear line.
using System.Diagnostics;
using Interp.Agent.Labeling.Store;
using Interp.Index.Records;

namespace Interp.Host.Tests.Label;

[Collection(LabelCliCollection.Name)]
public sealed class LabelCliTests(LabelCliFixture fx)
{
    // 400 features: the killed run must still be going a poll after its 25th record; CI's faster machine labels ~300
    // toy features a second, so 200 left only ~0.5 s between the poll and the end of the run
    private const int Features = 400;

    private string[] Args(string outPath, string features = "0-399") =>
        ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--cache", fx.CachePath, "--features", features,
         "--scorers", "simulation,detection", "--concurrency", "1", "--resamples", "200", "--out", outPath, "--report", "none", "--rows", "5"];

    private static List<string> Normalized(IEnumerable<FeatureRecord> records) => records.Select(r => FeatureRecordJson.Serialize(r with
    {
        Provenance = r.Provenance with { CreatedAt = default },
        Failures = r.Failures.Select(f => f with { At = default }).ToList(),
    })).ToList();

    [Fact]
    public void Label_KilledWithSigkillMidRun_SameCommandResumesToIdenticalRecords()
    {
        string full = fx.File("full.db"), killed = fx.File("killed.db");
        var (code, _, err) = LabelCliFixture.Run(Args(full));
        Assert.True(code == 0, err);

        using (var p = Process.Start(LabelCliFixture.Interp(Args(killed)))!)
        {
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var sw = Stopwatch.StartNew();
            int seen = 0;
            while (!p.HasExited && sw.Elapsed < TimeSpan.FromMinutes(5))
            {
                Thread.Sleep(50);
                if (!File.Exists(killed)) continue;
                try { using var s = RunStore.OpenRead(killed); seen = s.RecordFeatures().Count; }
                catch (Exception e) when (e is InvalidDataException or IOException or KeyNotFoundException) { continue; }   // not created yet
                if (seen >= 25) break;
            }
            Assert.False(p.HasExited, $"the run ended before the kill ({seen} records seen); give it more features");
            p.Kill(entireProcessTree: true);   // SIGKILL
            p.WaitForExit();
        }
        int before;
        using (var s = RunStore.OpenRead(killed))
        {
            before = s.ReadRecords().Count;
            Assert.InRange(before, 25, Features - 1);
        }
        (code, _, err) = LabelCliFixture.Run(Args(killed));
        Assert.True(code == 0, err);
        Assert.Contains("already done before this run", err);
        using var a = RunStore.OpenRead(full);
        using var b = RunStore.OpenRead(killed);
        Assert.Equal(Features, b.ReadRecords().Count);
        Assert.Equal(Normalized(a.ReadRecords()), Normalized(b.ReadRecords()));
        Assert.DoesNotContain(b.AllStages().Values.SelectMany(x => x.Values), r => r.Status == StageStatus.Pending && r.Stage == StageNames.Explain);
    }

    [Fact]
    public void Show_And_Report_ReadTheStore()
    {
        var run = fx.File("small.db");
        var (code, stdout, err) = LabelCliFixture.Run(Args(run, "0-11"));
        Assert.True(code == 0, err);
        Assert.Contains("simulation", stdout);
        Assert.Contains("sanity simulation: real beats shuffled", stdout);
        Assert.Contains("run store:", stdout);
        using (var s = RunStore.OpenRead(run))
        {
            var f = s.ReadRecords().First(r => r.IsLabeled).Feature;
            (code, stdout, err) = LabelCliFixture.Run("label", "show", "--run", run, "--feature", f.ToString(), "--json");
            Assert.True(code == 0, err);
            Assert.Equal(f, FeatureRecordJson.Deserialize(stdout).Feature);
            (code, stdout, _) = LabelCliFixture.Run("label", "show", "--run", run, "--feature", f.ToString());
            Assert.Contains("offline description:", stdout);
            Assert.Contains("stage explain", stdout);
        }
        var html = fx.File("small.html");
        (code, _, err) = LabelCliFixture.Run("label", "report", "--run", run, "--out", html);
        Assert.True(code == 0, err);
        Assert.Contains("<svg class=\"plot score-dist\"", File.ReadAllText(html));
    }

    [Fact]
    public void Label_CorpusGz_BuildsItsCacheInANewFolderThenReusesIt()
    {
        var gz = fx.File("toy-corpus.txt.gz");
        using (var f = File.Create(gz))
        using (var z = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionLevel.Fastest))
        using (var w = new StreamWriter(z))
            foreach (var line in Interp.Evals.ToyWorld.ToyWorldFiles.ReadLines(Path.Combine(LabelCliFixture.Root, "evals", "worlds", "toy-v1"), "corpus.txt").Take(120))
                w.WriteLine(line);
        var run = Path.Combine(fx.Dir, "fresh", "sub", "run.db");
        string[] args = ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--corpus", gz, "--features", "0-5",
            "--scorers", "simulation", "--out", run, "--report", "none"];
        var (code, _, err) = LabelCliFixture.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("building the latent cache", err);
        Assert.True(File.Exists(Path.Combine(fx.Dir, "fresh", "sub", "run.cache.db")));
        (code, _, err) = LabelCliFixture.Run(args);
        Assert.True(code == 0, err);
        Assert.DoesNotContain("building the latent cache", err);
        Assert.Contains("6 already done before this run", err);
    }

    [Theory]
    [InlineData("other-sae", "was built from another SAE")]
    [InlineData("other-model", "was built from another model")]
    [InlineData("range", "outside this SAE's features 0..1023")]
    [InlineData("llm", "not found; pass --config FILE")]
    [InlineData("show-missing", "no run store at")]
    [InlineData("both", "give --cache or --corpus, not both")]
    public void Label_BadInput_ExitTwoWithOneClearLine(string what, string expected)
    {
        string[] args = what switch
        {
            "other-sae" => ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.EnglishSaeDir, "--cache", fx.CachePath, "--out", fx.File("e1.db")],
            "other-model" => ["label", "--model", OtherModel(), "--sae", LabelCliFixture.SaeDir, "--cache", fx.CachePath, "--out", fx.File("e5.db")],
            "range" => [.. Args(fx.File("e2.db"), "1000-1030")],
            "llm" => [.. Args(fx.File("e3.db"), "0-3"), "--explainer", "llm", "--config", fx.File("absent-appsettings.json")],
            "show-missing" => ["label", "show", "--run", fx.File("absent.db"), "--feature", "0"],
            "both" => [.. Args(fx.File("e4.db"), "0-3"), "--corpus", fx.CachePath],
            _ => throw new ArgumentException(what),
        };
        var (code, _, err) = LabelCliFixture.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.StartsWith("error: ", err.TrimStart());
        Assert.DoesNotContain("   at ", err);   // no stack trace
        int at = Array.IndexOf(args, "--out");
        if (at >= 0) Assert.False(File.Exists(args[at + 1]), "a run store was written for bad input");
    }

    /// <summary>The toy model's weights under a config.json one trailing line longer: another model fingerprint.</summary>
    private string OtherModel()
    {
        var dir = fx.File("other-model");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(LabelCliFixture.ModelDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        File.AppendAllText(Path.Combine(dir, "config.json"), "\n");
        return dir;
    }
}

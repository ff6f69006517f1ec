// `interp label --explainer llm` as a person runs it, against the stand-in over loopback HTTP (in this process, so it
// outlives the killed one): SIGKILL in the middle of a run, then the same command finishes it with the records of an
// uninterrupted run, sends again exactly the LLM requests whose answers the killed process had not committed to its
// response store (read from the store after the kill) and none whose answer it had; its output lists the LLM calls.
// A stand-in that fails a share of the calls, or all of them: LabelFaultCliTests.
using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text.Json;
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Llm.Store;
using Interp.Agent.Labeling.Store;
using Interp.Agent.StandIn;
using Interp.Host.Commands;
using Interp.Index.Records;

namespace Interp.Host.Tests.Label;

[Collection(LabelCliCollection.Name)]
public sealed class LabelLlmCliTests(LabelCliFixture fx)
{
    private const int Features = 60;
    private const double LatencyMs = 100;

    private string Config(StandInServer server, string name)
    {
        var path = fx.File(name + ".appsettings.json");
        var roles = new[] { "explainer", "simulator", "judge" }.ToDictionary(r => r, _ => new { endpoint = "stand", model = "stand-in" });
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            Llm = new
            {
                store_path = fx.File(name + ".llm.db"),
                endpoints = new { stand = new { base_url = server.BaseUrl.ToString(), max_concurrency = 8, request_timeout_s = 60 } },
                roles,
            },
        }));
        return path;
    }

    private string[] Args(string outPath, string config, string features = "0-59") =>
        ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--cache", fx.CachePath, "--features", features,
         "--explainer", "llm", "--config", config, "--scorers", "simulation", "--concurrency", "4", "--resamples", "200",
         "--out", outPath, "--report", "none", "--rows", "5"];

    private static List<string> Normalized(IEnumerable<FeatureRecord> records) => records.Select(r => FeatureRecordJson.Serialize(r with
    {
        Provenance = r.Provenance with { CreatedAt = default, RunId = "" },
        Failures = r.Failures.Select(f => f with { At = default }).ToList(),
    })).ToList();

    private static bool IsLabeling(StandInRequest q) => q.Rule is { } r && (r.StartsWith("explain", StringComparison.Ordinal) || r.StartsWith("simulate", StringComparison.Ordinal));

    [Fact]
    public async Task LabelLlm_KilledWithSigkillMidRun_ResumesToSameRecordsWithoutRepeatingAnsweredCalls()
    {
        await using var server = await StandInServer.StartAsync(StandInScript.Parse(ToyStandInScript.Build(LatencyMs)));
        string full = fx.File("llm-full.db"), killed = fx.File("llm-killed.db");
        var (code, stdout, err) = LabelCliFixture.Run(Args(full, Config(server, "full")));
        Assert.True(code == 0, err);
        Assert.Contains("sanity simulation: real beats shuffled", stdout);
        var uninterrupted = server.Requests.Where(IsLabeling).Select(q => StandInServer.RequestDigest(q.Body)).ToHashSet();

        string config = Config(server, "killed");
        server.ResetRecording();
        using (var p = Process.Start(LabelCliFixture.Interp(Args(killed, config)))!)
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
                catch (Exception e) when (e is InvalidDataException or IOException or KeyNotFoundException) { continue; }
                if (seen >= 12) break;
            }
            Assert.False(p.HasExited, $"the run ended before the kill ({seen} records seen); give it more features");
            p.Kill(entireProcessTree: true);   // SIGKILL
            p.WaitForExit();
        }
        var first = server.Requests.Where(IsLabeling).Select(q => StandInServer.RequestDigest(q.Body)).ToHashSet();
        // The answers the killed process had committed to its response store: every stand-in answer's id names the request
        // it answered. An answer still being read, parsed or written at the kill is not among them, and is legitimately
        // asked again; a committed one must never be.
        var committedAny = CommittedRequests(fx.File("killed.llm.db"));
        Assert.Subset(server.Requests.Select(q => StandInServer.RequestDigest(q.Body)).ToHashSet(), committedAny);   // answers to requests it sent
        var committed = committedAny.Intersect(first).ToHashSet();
        Assert.NotEmpty(committed);
        server.ResetRecording();

        (code, _, err) = LabelCliFixture.Run(Args(killed, config));
        Assert.True(code == 0, err);
        Assert.Contains("already done before this run", err);
        var second = server.Requests.Where(IsLabeling).Select(q => StandInServer.RequestDigest(q.Body)).ToHashSet();
        Assert.NotEmpty(second);
        Assert.Empty(second.Intersect(committedAny));                    // no call with a committed answer is sent again
        Assert.Equal(first.Except(committed).Order(), second.Intersect(first).Order());   // the calls sent again are exactly the uncommitted ones
        Assert.Equal(uninterrupted.Order(), first.Union(second).Order()); // and together the two runs asked what one uninterrupted run asks
        using var a = RunStore.OpenRead(full);
        using var b = RunStore.OpenRead(killed);
        Assert.Equal(Features, b.ReadRecords().Count);
        Assert.Equal(Normalized(a.ReadRecords()), Normalized(b.ReadRecords()));
    }

    /// <summary>The request digests of the answers committed to an LLM response store (read after the writer was killed:
    /// SQLite's WAL keeps exactly the committed transactions).</summary>
    private static HashSet<string> CommittedRequests(string llmStore)
    {
        using var store = LlmStore.Open(llmStore);
        return store.ResponseBodies().Select(StandInServer.AnsweredDigest).ToHashSet();
    }
}

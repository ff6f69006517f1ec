// `interp label --explainer llm` as a person runs it, against the stand-in over loopback HTTP (in this process, so it
// outlives the killed one): SIGKILL in the middle of a run, then the same command finishes it with the records of an
// uninterrupted run, and sends no LLM request whose answer had reached the killed process; its output lists the LLM
// calls. A stand-in that fails a share of the calls, or all of them: LabelFaultCliTests.
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
        int uninterrupted = server.Requests.Count(IsLabeling);

        string config = Config(server, "killed");
        server.ResetRecording();
        DateTimeOffset killedAt;
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
            killedAt = DateTimeOffset.UtcNow;
            p.WaitForExit();
        }
        var first = server.Requests.Where(IsLabeling).ToList();
        // answered to the killed process: received at least latency + 5 s before the kill (time to read and commit the
        // answer on a loaded 2-core machine)
        var answered = first.Where(q => q.ReceivedAt + TimeSpan.FromMilliseconds(LatencyMs + 5000) < killedAt).Select(q => q.Body!.ToJsonString()).ToHashSet();
        Assert.NotEmpty(answered);
        server.ResetRecording();

        (code, _, err) = LabelCliFixture.Run(Args(killed, config));
        Assert.True(code == 0, err);
        Assert.Contains("already done before this run", err);
        var second = server.Requests.Where(IsLabeling).Select(q => q.Body!.ToJsonString()).ToList();
        Assert.NotEmpty(second);
        Assert.DoesNotContain(second, answered.Contains);
        Assert.InRange(first.Count + second.Count, uninterrupted, uninterrupted + 8);   // at most the calls in flight at the kill again
        using var a = RunStore.OpenRead(full);
        using var b = RunStore.OpenRead(killed);
        Assert.Equal(Features, b.ReadRecords().Count);
        Assert.Equal(Normalized(a.ReadRecords()), Normalized(b.ReadRecords()));
    }
}

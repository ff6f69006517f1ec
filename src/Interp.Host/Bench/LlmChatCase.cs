// `bench --only llm_`: chat calls through the whole LLM layer (LlmClient → SK → role handler → Polly → HTTP) to the
// stand-in running as a child process (`interp llm standin`) with a fixed 200 ms latency, 16 in flight. Reports
// calls/s against the bound 16 / 0.2 s = 80/s and this process's CPU time per call (the server's CPU is not in it).
using System.Diagnostics;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Wire;

namespace Interp.Host.Bench;

public sealed class LlmChatCase(int callsPerIteration = 1000, int concurrency = 16, double latencyMs = 200) : IBenchCase
{
    private Process? _server;
    private LlmClient? _client;
    private string _dir = "";
    private int _runs, _timedCalls, _failures;
    private TimeSpan _timedCpu;

    public string Name => $"llm_chat_c{concurrency}_{latencyMs:F0}ms";
    public bool InQuickRun => false;

    public void Setup(BenchContext ctx)
    {
        _dir = Directory.CreateTempSubdirectory("interp-bench-llm-").FullName;
        string script = Path.Combine(_dir, "script.json");
        File.WriteAllText(script, """{ "rules": [ { "when": { "path": "chat" }, "reply": { "content": "[EXPLANATION]: a stand-in answer of a few tokens" } } ] }""");
        _server = StartStandIn(script, latencyMs);
        var baseUrl = ReadBaseUrl(_server);
        var options = new LlmOptions
        {
            Endpoints = new() { ["stand-in"] = new LlmEndpointOptions { BaseUrl = baseUrl, MaxConcurrency = concurrency, RequestTimeoutS = 30 } },
            Roles = new() { ["explainer"] = new LlmRoleOptions { Endpoint = "stand-in", Model = "stand-in", Sampling = new LlmSampling { Temperature = 0.7, MaxTokens = 64 } } },
            Prices = new() { ["stand-in"] = new LlmPrice { InputPerMillion = 0.15, OutputPerMillion = 0.6 } },
            StorePath = Path.Combine(_dir, "llm.db"),
        };
        _client = new LlmClient(options);
    }

    public void Run()
    {
        bool timed = _runs++ > 0; // the runner's first call is its warm-up
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var ctx = new LlmCallContext("bench") { Cache = LlmCacheMode.Off };
        int failures = 0;
        Parallel.ForEachAsync(Enumerable.Range(0, callsPerIteration), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var o = await _client!.ChatAsync(LlmRole.Explainer,
                new LlmChatRequest([LlmMessage.System("You explain features."), LlmMessage.User($"Explain feature {i}.")]), ctx with { FeatureKey = $"f{i}" }, ct);
            if (!o.Succeeded) Interlocked.Increment(ref failures);
        }).GetAwaiter().GetResult();
        if (failures > 0) throw new InvalidOperationException($"{failures} of {callsPerIteration} calls to the stand-in failed; the benchmark is void");
        if (timed)
        {
            _timedCpu += Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            _timedCalls += callsPerIteration;
            _failures += failures;
        }
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
    {
        double callsPerS = callsPerIteration / secondsPerIteration;
        double bound = concurrency / (latencyMs / 1000);
        record.Add("calls_per_s", Math.Round(callsPerS, 2))
              .Add("bound_calls_per_s", bound)
              .Add("fraction_of_bound", Math.Round(callsPerS / bound, 4))
              .Add("client_cpu_ms_per_call", Math.Round(_timedCpu.TotalMilliseconds / Math.Max(1, _timedCalls), 4))
              .Add("calls_timed", _timedCalls)
              .Add("failed_calls", _failures)
              .Add("concurrency", concurrency)
              .Add("latency_ms", latencyMs);
    }

    /// <summary>`interp llm standin` as a child process on a free port with a fixed latency (its stdout gives the address).</summary>
    internal static Process StartStandIn(string script, double latencyMs)
    {
        string exe = Environment.ProcessPath!;
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            psi.FileName = exe;
            psi.ArgumentList.Add(typeof(LlmChatCase).Assembly.Location);
        }
        else psi.FileName = exe;
        foreach (var a in new[] { "llm", "standin", "--port", "0", "--script", script, "--latency-ms", latencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--quiet" })
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start the stand-in process");
    }

    internal static string ReadBaseUrl(Process p)
    {
        var read = p.StandardOutput.ReadLineAsync();
        if (!read.Wait(TimeSpan.FromSeconds(60)) || read.Result is not { } line || !line.Contains("listening on "))
            throw new InvalidOperationException("the stand-in did not start (its error is on stderr above)");
        return line.Split("listening on ")[1].Trim();
    }

    public void Dispose()
    {
        _client?.Dispose();
        if (_server is { HasExited: false } s) { s.Kill(); s.WaitForExit(5000); }
        _server?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_dir.Length > 0 && Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}

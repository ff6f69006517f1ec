// `tools_mcp_cold_start_english_small`: a fresh `interp mcp --model english-small --sae …` process spawned by the MCP SDK's
// stdio client, timed from the spawn to the answer of the first tools/list (runtime start, model and SAE load, MCP
// handshake). One iteration is one cold start; the record keeps each.
using System.Diagnostics;
using ModelContextProtocol.Client;

namespace Interp.Host.Bench;

public sealed class McpColdStartCase : IBenchCase
{
    private readonly List<double> _ms = new();
    private int _tools;

    public string Name => "tools_mcp_cold_start_english_small";
    public bool InQuickRun => true;
    public double MinSeconds => 0;

    public void Setup(BenchContext ctx) { }

    public void Run()
    {
        string dll = typeof(McpColdStartCase).Assembly.Location;
        var sw = Stopwatch.StartNew();
        var client = McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "interp", Command = "dotnet",
            Arguments = [dll, "mcp", "--model", Path.Combine(BenchPaths.Repo, "evals/models/english-small"), "--sae", Path.Combine(BenchPaths.Repo, "evals/saes/english-small-resid2-topk")],
        })).GetAwaiter().GetResult();
        try
        {
            _tools = client.ListToolsAsync().GetAwaiter().GetResult().Count;
            _ms.Add(sw.Elapsed.TotalMilliseconds);
        }
        finally { client.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    public void AddMetrics(double secondsPerIteration, BenchRecord record)
    {
        var s = _ms.Order().ToArray();
        record.Add("tools", _tools).Add("starts", s.Length).Add("median_ms", Math.Round(s[s.Length / 2], 1)).Add("min_ms", Math.Round(s[0], 1))
            .Add("each_ms", string.Join(",", _ms.Select(m => Math.Round(m).ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Add("cores", Environment.ProcessorCount);
    }

    public void Dispose() { }
}

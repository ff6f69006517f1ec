// The stand-in OpenAI-compatible server: real HTTP on loopback (Kestrel) answering /v1/chat/completions,
// /v1/completions, /v1/embeddings and /v1/models from a script, injecting faults, recording every request and the
// peak of concurrent requests. For tests, benchmarks and dry runs (`interp llm standin`); it is not a model.
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interp.Agent.StandIn;

/// <summary>One request as the stand-in received it.</summary>
public sealed record StandInRequest(int Seq, DateTimeOffset ReceivedAt, string Method, string Path, JsonObject? Body, string? Authorization, string? Rule);

public sealed partial class StandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ILogger _log;
    private readonly ConcurrentQueue<StandInRequest> _requests = new();
    private volatile StandInScript _script;
    private int _seq, _inFlight, _peak;

    private StandInServer(WebApplication app, StandInScript script, ILogger log) { _app = app; _script = script; _log = log; }

    /// <summary>Starts on 127.0.0.1:<paramref name="port"/> (0 = any free port).</summary>
    public static async Task<StandInServer> StartAsync(StandInScript script, int port = 0, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = b.Build();
        var server = new StandInServer(app, script, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Interp.StandIn"));
        app.MapPost("/v1/chat/completions", ctx => server.Handle(ctx, "chat"));
        app.MapPost("/v1/completions", ctx => server.Handle(ctx, "completions"));
        app.MapPost("/v1/embeddings", ctx => server.Handle(ctx, "embeddings"));
        app.MapGet("/v1/models", ctx => server.Handle(ctx, "models"));
        app.MapFallback(async ctx =>
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsJsonAsync(StandInReplies.Error($"stand-in: no route {ctx.Request.Method} {ctx.Request.Path}", "not_found"));
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(addr).Port;
        server._log.LogInformation("stand-in OpenAI-compatible server listening on {BaseUrl} ({Rules} rules)", server.BaseUrl, script.Rules.Count);
        return server;
    }

    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:PORT/v1 — what a config's base_url points at.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/v1");

    /// <summary>The script in use; replace it between test phases (rule counters start afresh with a new script).</summary>
    public StandInScript Script { get => _script; set => _script = value; }

    /// <summary>Record request bodies (on by default; benchmarks turn it off).</summary>
    public bool RecordBodies { get; set; } = true;

    public IReadOnlyList<StandInRequest> Requests => _requests.ToArray();

    public int RequestCount => Volatile.Read(ref _seq);

    /// <summary>Most requests being handled at the same moment since the last reset.</summary>
    public int PeakConcurrency => Volatile.Read(ref _peak);

    public void ResetRecording()
    {
        _requests.Clear();
        Interlocked.Exchange(ref _seq, 0);
        Interlocked.Exchange(ref _peak, 0);
    }

    private async Task Handle(HttpContext ctx, string path)
    {
        int now = Interlocked.Increment(ref _inFlight);
        for (int p = Volatile.Read(ref _peak); now > p && Interlocked.CompareExchange(ref _peak, now, p) != p; p = Volatile.Read(ref _peak)) { }
        try
        {
            var script = _script;
            JsonObject? body = null;
            if (HttpMethods.IsPost(ctx.Request.Method))
            {
                try { body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted) as JsonObject; }
                catch (JsonException e)
                {
                    Record(ctx, path, null, null);
                    await Json(ctx, 400, StandInReplies.Error($"stand-in: request body is not JSON ({e.Message})", "invalid_request_error"));
                    return;
                }
            }
            var rule = Match(script, path, body);
            Record(ctx, path, body, rule?.Name);
            if (script.LatencyMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(script.LatencyMs), ctx.RequestAborted);
            _log.LogInformation("stand-in: {Method} {Path} → rule {Rule}", ctx.Request.Method, ctx.Request.Path, rule?.Name ?? "(none)");
            if (rule?.Fault is { } fault && await ApplyFault(ctx, fault, body, path)) return;
            await Answer(ctx, path, script, body, rule);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    /// <summary>A digest of a request body as the stand-in received it (the first 16 hex digits of the SHA-256 of its
    /// compact JSON). Every chat and completions answer carries it in its id ("chatcmpl-stand-in-&lt;digest&gt;"), so a
    /// stored answer names the request it answered: tests match what a client committed against what it sent.</summary>
    public static string RequestDigest(JsonObject? body) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body?.ToJsonString() ?? "")))[..16];

    private static string ResponseId(string prefix, JsonObject? body) => $"{prefix}-{RequestDigest(body)}";

    /// <summary>The digest of the request a stored stand-in answer (a response body) answered: the tail of its id.</summary>
    public static string AnsweredDigest(string responseBody)
    {
        using var doc = JsonDocument.Parse(responseBody);
        string id = doc.RootElement.GetProperty("id").GetString() ?? "";
        return id[(id.LastIndexOf('-') + 1)..];
    }

    private void Record(HttpContext ctx, string path, JsonObject? body, string? rule)
    {
        int seq = Interlocked.Increment(ref _seq);
        _requests.Enqueue(new StandInRequest(seq, DateTimeOffset.UtcNow, ctx.Request.Method, path, RecordBodies ? body : null,
            ctx.Request.Headers.Authorization.FirstOrDefault(), rule));
    }

    private static StandInRule? Match(StandInScript script, string path, JsonObject? body)
    {
        foreach (var r in script.Rules)
        {
            if (!Matches(r.When, path, body)) continue;
            if (r.Fraction is { } fr && !InFraction(body, fr)) continue;
            if (r.Times is { } n && Interlocked.Increment(ref r.Used) > n) continue;
            return r;
        }
        return null;
    }

    /// <summary>Whether a request falls in the first <paramref name="fraction"/> of the hash space of its body.</summary>
    private static bool InFraction(JsonObject? body, double fraction)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body?.ToJsonString() ?? ""));
        return BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue < fraction;
    }

    private static bool Matches(StandInMatch w, string path, JsonObject? body)
    {
        if (w.Path is { } p && p != path) return false;
        if (w.Model is { } m && (string?)body?["model"] != m) return false;
        var msgs = body?["messages"] as JsonArray;
        if (w.LastUser is { } lu)
        {
            var last = msgs?.LastOrDefault(x => (string?)x?["role"] == "user");
            if (last is null || !System.Text.RegularExpressions.Regex.IsMatch(StandInReplies.ContentOf(last), lu)) return false;
        }
        if (w.AnyMessage is { } am && !(msgs?.Any(x => System.Text.RegularExpressions.Regex.IsMatch(StandInReplies.ContentOf(x), am)) ?? false)) return false;
        if (w.LastRole is { } lr && (string?)msgs?.LastOrDefault()?["role"] != lr) return false;
        if (w.HasTools is { } ht && ((body?["tools"] as JsonArray)?.Count > 0) != ht) return false;
        if (w.Stream is { } st && ((bool?)body?["stream"] ?? false) != st) return false;
        if (w.Logprobs is { } lp && (body?["logprobs"] is JsonValue lv && (lv.TryGetValue(out bool b) ? b : lv.TryGetValue(out int i) && i > 0)) != lp) return false;
        if (w.Prompt is { } pr && !System.Text.RegularExpressions.Regex.IsMatch((string?)body?["prompt"] ?? "", pr)) return false;
        return true;
    }

    private static Task Json(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Runs until <paramref name="ct"/> is cancelled (the CLI's Ctrl+C).</summary>
    public async Task WaitAsync(CancellationToken ct)
    {
        try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }
}

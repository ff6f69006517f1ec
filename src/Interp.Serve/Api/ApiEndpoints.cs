// The HTTP API (minimal APIs, documented at /openapi/v1.json): health, models and SAEs, the feature page's data, search
// by text / direction with filters, jobs (submit, list, status, logs, cancel, retry, progress as server-sent events) and
// eval suites (history, drift, run now). Scopes: reads need a read key (or anonymous read), changes an admin key.
using System.Text.Json;
using Interp.Errors;
using Interp.Serve.Catalog;
using Interp.Serve.Evals;
using Interp.Serve.Features;
using Interp.Serve.Jobs;
using Interp.Serve.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interp.Serve.Api;

public static class ApiEndpoints
{
    public static void MapInterpApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" })).WithMetadata(new RequireScope(null)).WithTags("health");
        app.MapGet("/readyz", (JobStore jobs) =>
        {
            try { return jobs.Ping() ? Results.Json(new { status = "ready", queue = jobs.Backend }) : Problems.Result(503, "not ready", "the job queue did not answer"); }
            catch (Exception e) { return Problems.Result(503, "not ready", $"the job queue ({jobs.Backend}) did not answer: {e.Message}"); }
        }).WithMetadata(new RequireScope(null)).WithTags("health");

        var api = app.MapGroup("/api").WithTags("api");
        api.MapGet("/models", (SaeCatalog c) => c.Models.Select(kv => new { name = kv.Key, path = kv.Value.Path }));
        api.MapGet("/saes", (SaeCatalog c) => c.Saes.Select(kv => new { name = kv.Key, model = kv.Value.Model, has_cache = kv.Value.Cache is { } p && File.Exists(p) }));
        api.MapGet("/saes/{sae}/features/{feature}", async (string sae, string feature, HttpRequest r, FeatureService f, CancellationToken ct) =>
            Results.Bytes(await f.RenderedAsync(FeaturePageCache.Format.Json, sae, Query.FeatureId(feature), Query.Int(r, "neighbours", 8, 0, 64),
                v => JsonSerializer.SerializeToUtf8Bytes(v, ServeJson.Options), ct), "application/json; charset=utf-8"))
            .Produces<FeatureView>();

        api.MapGet("/search", async (HttpRequest r, FeatureService f, CancellationToken ct) =>
        {
            var filter = Query.Filter(r, f.SafeId);
            string text = Query.String(r, "text", 1000) ?? throw new InterpException("query parameter 'text' is missing", "text", "e.g. /api/search?text=names");
            var hits = await f.SearchTextAsync(text, filter, Query.Int(r, "top", 10, 1, FeatureService.MaxTop), Query.Int(r, "offset", 0, 0, 10_000), ct);
            return Results.Json(hits, ServeJson.Options);
        }).Produces<List<SearchHitView>>();
        api.MapPost("/search/direction", async (HttpRequest r, FeatureService f, CancellationToken ct) =>
        {
            using var doc = await RequestJson.ReadObjectAsync(r, ct);
            var root = doc.RootElement;
            if (!root.TryGetProperty("vector", out var v) || v.ValueKind != JsonValueKind.Array || v.GetArrayLength() is 0 or > 1 << 16)
                throw new InterpException("'vector' must be an array of 1..65536 numbers", "vector", null);
            var vec = v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetSingle() : throw new InterpException("'vector' holds a non-number", "vector", null)).ToArray();
            var filter = Query.Filter(r, f.SafeId);
            int top = root.TryGetProperty("top", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out int k) ? k : 10;
            if (top is < 1 or > FeatureService.MaxTop) throw new InterpException($"'top' must be 1..{FeatureService.MaxTop}", "top", null);
            return Results.Json(await f.SearchDirectionAsync(vec, filter, top, 0, ct), ServeJson.Options);
        }).Produces<List<SearchHitView>>();

        MapJobs(api);
        MapEvals(api);
    }

    private static void MapJobs(RouteGroupBuilder api)
    {
        api.MapGet("/job-kinds", (JobHandlers h) => h.All.Select(x => new { kind = x.Kind, description = x.Description }));
        api.MapGet("/jobs", (HttpRequest r, JobStore s) =>
        {
            string? state = Query.String(r, "state", 32);
            if (state is not null && !JobStates.All.Contains(state)) throw new InterpException($"unknown state '{state}'", "state", $"use one of {string.Join(", ", JobStates.All)}");
            return Results.Json(s.List(state, Query.Int(r, "limit", 100, 1, 1000)), ServeJson.Options);
        }).Produces<List<JobRecord>>();
        api.MapPost("/jobs", async (HttpContext ctx, JobQueue q, CancellationToken ct) =>
        {
            using var doc = await RequestJson.ReadObjectAsync(ctx.Request, ct);
            var root = doc.RootElement;
            string kind = root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : throw new InterpException("'kind' is missing", "kind", "send {\"kind\": \"cache_build\", \"args\": {...}}");
            var args = root.TryGetProperty("args", out var a) ? a : JsonDocument.Parse("{}").RootElement;
            var job = q.Submit(kind, args, ctx.User.Identity?.Name);
            return Results.Json(job, ServeJson.Options, statusCode: 201);
        }).WithMetadata(new RequireScope(ApiScope.Admin)).Produces<JobRecord>(201);
        api.MapGet("/jobs/{id}", (string id, JobStore s) => Results.Json(Job(s, id), ServeJson.Options)).Produces<JobRecord>();
        api.MapGet("/jobs/{id}/logs", (string id, HttpRequest r, JobStore s) =>
            Results.Json(s.Logs(Job(s, id).Id, Query.Int(r, "after", 0, 0, int.MaxValue)), ServeJson.Options)).Produces<List<JobLogLine>>();
        api.MapGet("/jobs/{id}/runs", (string id, JobStore s) => Results.Json(s.Runs(Job(s, id).Id), ServeJson.Options)).Produces<List<JobRun>>();
        api.MapPost("/jobs/{id}/cancel", (string id, JobStore s) => Results.Json(s.Cancel(Job(s, id).Id), ServeJson.Options))
            .WithMetadata(new RequireScope(ApiScope.Admin));
        api.MapPost("/jobs/{id}/retry", (string id, JobStore s, JobSignal sig) =>
        {
            var j = Job(s, id);
            if (j.State is not (JobStates.Failed or JobStates.Cancelled))
                throw new InterpException($"job {j.Id} is {j.State}; only failed or cancelled jobs can be retried", "state", null);
            var r = s.Retry(j.Id);
            sig.Pulse();
            return Results.Json(r, ServeJson.Options);
        }).WithMetadata(new RequireScope(ApiScope.Admin));
        api.MapGet("/jobs/{id}/events", (string id, HttpContext ctx, JobStore s, CancellationToken ct) => JobEvents.StreamAsync(ctx, s, Job(s, id).Id, ct))
            .Produces(200, contentType: "text/event-stream");
    }

    private static void MapEvals(RouteGroupBuilder api)
    {
        api.MapGet("/evals", (ServeSettings s) => s.Schedules.Suites.Select(x => new { name = x.Name, kind = x.Kind, cron = x.Cron, sae = x.Sae }));
        api.MapGet("/evals/{suite}/history", (string suite, EvalSuiteJob j, EvalStore s) => Results.Json(s.History(j.Suite(suite).Name), ServeJson.Options))
            .Produces<List<EvalRun>>();
        api.MapGet("/evals/{suite}/drift", (string suite, EvalSuiteJob j, EvalStore s) =>
            Results.Json(DriftReport.Build(suite, s.History(j.Suite(suite).Name)), ServeJson.Options)).Produces<DriftReport>();
        api.MapPost("/evals/{suite}/run", (string suite, HttpContext ctx, EvalSuiteJob j, JobQueue q) =>
        {
            using var args = JsonDocument.Parse(JsonSerializer.Serialize(new { suite = j.Suite(suite).Name }));
            return Results.Json(q.Submit(EvalSuiteJob.JobKind, args.RootElement, ctx.User.Identity?.Name), ServeJson.Options, statusCode: 201);
        }).WithMetadata(new RequireScope(ApiScope.Admin));
    }

    private static JobRecord Job(JobStore s, string raw) =>
        long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id) && s.Get(id) is { } j ? j
            : throw new InterpException($"no job '{(raw.Length > 32 ? raw[..32] + "…" : raw)}'", "job", "list jobs at /api/jobs", ErrorKind.NotFound);
}

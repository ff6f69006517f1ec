// A job's progress as server-sent events: `progress` (state, done, total, message) whenever it changes, `log` for each
// new log line, and `end` once the job is succeeded, failed or cancelled. Polls the store (works across processes).
using System.Text.Json;
using Interp.Serve.Jobs;
using Microsoft.AspNetCore.Http;

namespace Interp.Serve.Api;

public static class JobEvents
{
    public static async Task StreamAsync(HttpContext ctx, JobStore store, long id, CancellationToken ct)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        string? last = null;
        long seq = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var job = store.Get(id)!;
                foreach (var line in store.Logs(id, seq))
                {
                    seq = line.Seq;
                    await Send(ctx, "log", JsonSerializer.Serialize(line, ServeJson.Options), ct);
                }
                string now = JsonSerializer.Serialize(new { job.Id, job.State, job.Done, job.Total, job.Message, job.Error, job.Attempts }, ServeJson.Options);
                if (now != last) { await Send(ctx, "progress", now, ct); last = now; }
                if (JobStates.IsFinal(job.State)) { await Send(ctx, "end", now, ct); return; }
                await Task.Delay(300, ct);
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task Send(HttpContext ctx, string ev, string data, CancellationToken ct)
    {
        await ctx.Response.WriteAsync($"event: {ev}\ndata: {data}\n\n", ct);
        await ctx.Response.Body.FlushAsync(ct);
    }
}

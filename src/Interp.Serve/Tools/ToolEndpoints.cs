// Tool calls and chat over HTTP: GET /api/tools (names, descriptions, arguments), POST /api/tools/{name} (JSON object of
// arguments → the tool's result), POST /api/chat ({question, conversation?} → server-sent events: conversation, text,
// tool_call, tool_result, limit, error, end). MCP at /mcp serves the same tools (ServeServiceCollectionExtensions).
using System.Text.Json;
using Interp.Agent.Llm;
using Interp.Agent.Tools.Chat;
using Interp.Errors;
using Interp.Serve.Api;
using Interp.Serve.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interp.Serve.Tools;

public static class ToolEndpoints
{
    public static void MapInterpTools(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("tools");
        api.MapGet("/tools", (IServiceProvider sp) => Results.Json(Host(sp).List(), ServeJson.Options)).Produces<List<ToolInfo>>();
        api.MapPost("/tools/{name}", async (string name, HttpRequest r, IServiceProvider sp, CancellationToken ct) =>
        {
            var host = Host(sp);
            using var doc = await RequestJson.ReadObjectAsync(r, ct);
            string result = await host.CallAsync(name, doc.RootElement, ct);
            return Results.Text(result, result.TrimStart().StartsWith('{') || result.TrimStart().StartsWith('[') ? "application/json" : "text/plain");
        });
        api.MapPost("/chat", async (HttpContext ctx, IServiceProvider sp, CancellationToken ct) =>
        {
            var host = Host(sp);
            using var doc = await RequestJson.ReadObjectAsync(ctx.Request, ct);
            var root = doc.RootElement;
            string question = root.TryGetProperty("question", out var q) && q.ValueKind == JsonValueKind.String && q.GetString() is { Length: > 0 and <= 8000 } s ? s
                : throw new InterpException("'question' must be a string of 1..8000 characters", "question", "send {\"question\": \"...\"}");
            string? conversation = root.TryGetProperty("conversation", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (conversation is not null && !System.Text.RegularExpressions.Regex.IsMatch(conversation, "^[A-Za-z0-9_-]{1,64}$"))
                throw new InterpException("'conversation' is not a conversation id", "conversation", "send the id the first answer gave");
            var inv = host.Investigator(sp.GetService<LlmClient>(), conversation);

            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            var gate = new SemaphoreSlim(1, 1);
            async Task Send(string ev, object data)
            {
                await gate.WaitAsync(CancellationToken.None);
                try
                {
                    await ctx.Response.WriteAsync($"event: {ev}\ndata: {JsonSerializer.Serialize(data, ServeJson.Options)}\n\n", CancellationToken.None);
                    await ctx.Response.Body.FlushAsync(CancellationToken.None);
                }
                finally { gate.Release(); }
            }
            await Send("conversation", new { id = inv.ConversationId });
            var pending = new List<Task>();
            var turn = await inv.AskAsync(question, e => pending.Add(e.Kind switch
            {
                ChatEventKind.Text => Send("text", new { text = e.Text }),
                ChatEventKind.ToolCall => Send("tool_call", new { name = e.Tool, arguments = e.Text }),
                ChatEventKind.ToolResult => Send("tool_result", new { name = e.Tool, result = e.Text }),
                ChatEventKind.Limit => Send("limit", new { detail = e.Text }),
                _ => Send("error", new { title = "chat failed", detail = e.Text }),
            }), ct);
            await Task.WhenAll(pending);
            await Send("end", new { answer = turn.Answer, tool_calls = turn.ToolCalls.Count, failure = turn.Failure, tokens = turn.TokensUsed });
        }).WithMetadata(new RequireScope(ApiScope.Admin));
    }

    private static ToolHost Host(IServiceProvider sp) => sp.GetService<ToolHost>()
        ?? throw new InterpException("no model is configured for the tools", "Models", "add a model under Models (tools: true)", ErrorKind.NotFound);
}

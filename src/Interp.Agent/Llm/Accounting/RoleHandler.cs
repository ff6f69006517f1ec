// The outer HTTP handler of one role: makes the body re-sendable (and adds `max_tokens` beside
// `max_completion_tokens`), reserves the budget before sending, then accounts the exchange (usage from the body or
// the stream, cost from the price table) to the ambient LlmCallScope and the ledger. Retries happen below it.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Resilience;
using Interp.Agent.Llm.Store;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Llm.Accounting;

internal sealed class RoleHandler(
    LlmRole role, string endpoint, string model, LlmPrice? price, bool hasKey, bool sendMaxTokens, TimeSpan streamIdleTimeout, UsageLedger ledger)
    : DelegatingHandler
{
    /// <summary>Completion tokens reserved for a chat request that sets no max_tokens.</summary>
    public const int DefaultCompletionEstimate = 512;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var scope = LlmCallScope.Current;
        var context = scope?.Context ?? LlmCallContext.Adhoc;
        string path = request.RequestUri?.AbsolutePath ?? "";
        if (!hasKey) request.Headers.Authorization = null;

        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        var (estimate, rewritten) = Inspect(body, sendMaxTokens);
        if (request.Content is not null)
        {
            var content = new ByteArrayContent(rewritten ?? body);
            content.Headers.ContentType = request.Content.Headers.ContentType ?? new MediaTypeHeaderValue("application/json");
            request.Content = content;
        }

        LlmBudget.Reservation? reservation = null;
        if (context.Budget is { } budget)
        {
            reservation = budget.TryReserve(estimate, price?.Cost(estimate, 0), out string? why);
            if (reservation is null)
            {
                var f = new LlmFailure(LlmFailureKind.OverBudget, $"not sent: {why}");
                Account(scope, context, path, null, null, f, LlmUsage.Zero, new AttemptTrace(), TimeSpan.Zero);
                throw new LlmBudgetExceededException(f.Message);
            }
        }

        var sw = Stopwatch.StartNew();
        HttpResponseMessage response;
        try { response = await base.SendAsync(request, ct).ConfigureAwait(false); }
        catch (Exception e)
        {
            if (reservation is not null) context.Budget!.Release(reservation);
            var trace = request.Options.TryGetValue(ResilienceHandler.TraceOption, out var t) ? t : new AttemptTrace();
            Account(scope, context, path, null, null, FailureFromException(e, ct), LlmUsage.Zero, trace, sw.Elapsed);
            throw;
        }
        var tr = request.Options.TryGetValue(ResilienceHandler.TraceOption, out var t2) ? t2 : new AttemptTrace();
        int status = (int)response.StatusCode;

        if (!response.IsSuccessStatusCode)
        {
            if (reservation is not null) context.Budget!.Release(reservation);
            string errBody = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var f = OpenAiWire.ClassifyHttpError(status, errBody);
            if (tr.GaveUpReason is { } why) f = f with { Message = $"{f.Message} ({why})" };
            Account(scope, context, path, status, ResponseBody.FromText(errBody), f, LlmUsage.Zero, tr, sw.Elapsed);
            return response;
        }

        if (ResilienceHandler.IsEventStream(response))
        {
            var inner = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var guarded = new SseGuardStream(inner, streamIdleTimeout, r =>
            {
                var usage = r.Usage is { } u ? Usage(u.Prompt, u.Completion, false) : Usage(estimate - EstimateCompletion(body), r.ContentChunks, true);
                if (reservation is not null) context.Budget!.Commit(reservation, usage.TotalTokens, usage.Cost);
                var f = r.End switch
                {
                    SseGuardStream.End.Truncated => new LlmFailure(LlmFailureKind.Network, "stream ended before data: [DONE]", status),
                    SseGuardStream.End.Abandoned => new LlmFailure(LlmFailureKind.Cancelled, "the reader stopped before the stream ended", status),
                    _ => null,
                };
                Account(scope, context, path, status, null, f, usage, tr, sw.Elapsed);
            });
            var sc = new StreamContent(guarded);
            foreach (var h in response.Content.Headers) sc.Headers.TryAddWithoutValidation(h.Key, h.Value);
            response.Content = sc;
            return response;
        }

        ResponseBody answer;
        try { answer = await ReadBody(response, ct).ConfigureAwait(false); }
        catch (InvalidOperationException e)   // a charset .NET has no decoder for: the body cannot be read as text
        {
            throw Malformed($"HTTP {status} body in charset '{response.Content.Headers.ContentType?.CharSet}' cannot be decoded ({e.Message})", null);
        }
        LlmUsage used;
        bool refused;
        try
        {
            var scan = OpenAiWire.Scan(answer.Utf8.Span);
            used = scan.Usage is { } u ? Usage(u.Prompt, u.Completion, false) : Usage(estimate, 0, true);
            refused = scan.Refusal;
        }
        catch (JsonException e)
        {
            throw Malformed($"HTTP {status} body is not JSON ({e.Message})", answer);
        }
        if (reservation is not null) context.Budget!.Commit(reservation, used.TotalTokens, used.Cost);
        Account(scope, context, path, status, answer, null, used, tr, sw.Elapsed, refused ? "refused" : null);
        return response;

        // a 2xx body the client cannot read: the reservation released, the exchange accounted as failed, the response dropped
        LlmMalformedResponseException Malformed(string message, ResponseBody? body)
        {
            if (reservation is not null) context.Budget!.Release(reservation);
            var f = new LlmFailure(LlmFailureKind.MalformedResponse, message, status, body?.Text);
            Account(scope, context, path, status, body, f, LlmUsage.Zero, tr, sw.Elapsed);
            response.Dispose();
            return new LlmMalformedResponseException(f.Message, body?.Text ?? "");
        }
    }

    /// <summary>The (buffered) body as UTF-8 bytes, copied once; a body in another charset or with a UTF-16/32 byte-order mark
    /// goes through the text decoder HttpContent would use (JSON over HTTP is UTF-8, so that is the exception).</summary>
    private static async Task<ResponseBody> ReadBody(HttpResponseMessage response, CancellationToken ct)
    {
        string? charset = response.Content.Headers.ContentType?.CharSet?.Trim('"', ' ');
        if (charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            byte[] bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (!(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
                  || bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF])))
                return ResponseBody.FromUtf8(bytes);
        }
        return ResponseBody.FromText(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    private LlmUsage Usage(long prompt, long completion, bool estimated) =>
        new(prompt, completion, price?.Cost(prompt, completion), estimated);

    private void Account(LlmCallScope? scope, LlmCallContext context, string path, int? status, ResponseBody? body, LlmFailure? failure,
                         LlmUsage usage, AttemptTrace trace, TimeSpan elapsed, string? ledgerOutcome = null)
    {
        var exchange = new LlmExchange(role, path, status, body, failure, usage, trace.Attempts, trace.Delays.ToArray(), elapsed);
        scope?.Add(exchange);
        ledger.Record(new LlmCallRecord(DateTimeOffset.UtcNow, context.RunId, context.FeatureKey, role.Key(), endpoint, model,
            usage.PromptTokens, usage.CompletionTokens, usage.Cost, Cached: false, failure?.KindKey ?? ledgerOutcome ?? "ok", status,
            trace.Attempts, elapsed.TotalMilliseconds, usage.Estimated));
    }

    internal static LlmFailure FailureFromException(Exception e, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return new LlmFailure(LlmFailureKind.Cancelled, "cancelled by the caller");
        return e switch
        {
            Polly.Timeout.TimeoutRejectedException => new LlmFailure(LlmFailureKind.Timeout, $"every attempt timed out ({e.Message})"),
            Polly.CircuitBreaker.BrokenCircuitException => new LlmFailure(LlmFailureKind.CircuitOpen, e.Message),
            _ => new LlmFailure(LlmFailureKind.Network, $"{e.GetType().Name}: {e.Message}"),
        };
    }

    /// <summary>Tokens to reserve (UTF-8 bytes / 4 of the body, a deliberate over-estimate of the prompt, plus the output limit),
    /// and the body with `max_tokens` added when only `max_completion_tokens` is there.</summary>
    private static (long Estimate, byte[]? Rewritten) Inspect(byte[] body, bool sendMaxTokens)
    {
        long estimate = body.Length / 4 + EstimateCompletion(body);
        if (!sendMaxTokens || body.Length == 0 || body.AsSpan().IndexOf("\"max_completion_tokens\""u8) < 0 || body.AsSpan().IndexOf("\"max_tokens\""u8) >= 0)
            return (estimate, null);
        var node = JsonNode.Parse(body) as JsonObject;
        if (node is null || node["max_completion_tokens"] is not JsonValue v) return (estimate, null);
        node["max_tokens"] = v.GetValue<int>();
        return (estimate, Encoding.UTF8.GetBytes(node.ToJsonString()));
    }

    private static long EstimateCompletion(byte[] body)
    {
        if (body.Length == 0) return 0;
        var span = body.AsSpan();
        if (span.IndexOf("\"messages\""u8) < 0 && span.IndexOf("\"prompt\""u8) < 0) return 0; // embeddings: input only
        try
        {
            var node = JsonNode.Parse(body) as JsonObject;
            var limit = node?["max_completion_tokens"] ?? node?["max_tokens"];
            return limit is JsonValue v ? v.GetValue<long>() : DefaultCompletionEstimate;
        }
        catch (JsonException) { return DefaultCompletionEstimate; }
    }
}

// How the stand-in answers a matched request: faults first (status, context overflow, quota, reset, malformed JSON,
// truncated stream, delay), then capability checks (reject with 400 or ignore silently), then the scripted reply.
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Interp.Agent.StandIn;

public sealed partial class StandInServer
{
    /// <summary>Applies a fault; true when the request has been fully answered (or dropped) by it.</summary>
    private static async Task<bool> ApplyFault(HttpContext ctx, StandInFault f, JsonObject? body, string path)
    {
        switch (f.Kind)
        {
            case StandInFaultKind.Delay:
                await Task.Delay(TimeSpan.FromMilliseconds(f.DelayMs ?? 0), ctx.RequestAborted);
                return false;
            case StandInFaultKind.Status:
                if (f.RetryAfterS is { } s) ctx.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (f.RetryAfterMs is { } ms) ctx.Response.Headers["retry-after-ms"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Raw(ctx, f.Status!.Value, f, StandInReplies.Error($"stand-in fault: HTTP {f.Status}", "stand_in_fault").ToJsonString());
                return true;
            case StandInFaultKind.ContextOverflow:
                await Json(ctx, 400, StandInReplies.Error(
                    "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens. Please reduce the length of the messages.",
                    "invalid_request_error", "context_length_exceeded"));
                return true;
            case StandInFaultKind.Quota:
                await Json(ctx, 429, StandInReplies.Error("You exceeded your current quota, please check your plan and billing details.",
                    "insufficient_quota", "insufficient_quota"));
                return true;
            case StandInFaultKind.Reset:
                ctx.Abort();
                return true;
            case StandInFaultKind.MalformedJson:
                await Raw(ctx, 200, f, """{"id":"chatcmpl-stand-in","object":"chat.completion","choices":[{"index":0,"message":""");
                return true;
            case StandInFaultKind.TruncatedStream:
                if (path == "chat" && ((bool?)body?["stream"] ?? false)) return false; // Answer streams half, then stops without [DONE]
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength = 400;
                await ctx.Response.WriteAsync("""{"id":"chatcmpl-stand-in","object":"chat.completion","choices":[""", ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                ctx.Abort();
                return true;
            default:
                return false;
        }
    }

    /// <summary>A fault's answer: its status, its content type, and its body (body_base64's bytes, body, or the default).</summary>
    private static Task Raw(HttpContext ctx, int status, StandInFault f, string defaultBody)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = f.ContentType ?? "application/json";
        byte[] bytes = f.BodyBase64 is { } b64 ? Convert.FromBase64String(b64) : System.Text.Encoding.UTF8.GetBytes(f.Body ?? defaultBody);
        ctx.Response.ContentLength = bytes.Length;
        return ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).AsTask();
    }

    private static async Task Answer(HttpContext ctx, string path, StandInScript script, JsonObject? body, StandInRule? rule)
    {
        if (path == "models") { await Json(ctx, 200, StandInReplies.Models(script)); return; }
        body ??= new JsonObject();
        string model = (string?)body["model"] ?? "";
        if (!script.Models.Any(m => m.Id == model))
        {
            await Json(ctx, 404, StandInReplies.Error($"stand-in: model '{model}' does not exist (serves: {string.Join(", ", script.Models.Select(m => m.Id))})",
                "invalid_request_error", "model_not_found"));
            return;
        }
        if (path == "embeddings") { await Json(ctx, 200, Embeddings(script, body, model)); return; }
        if (rule?.Reply is not { } reply)
        {
            await Json(ctx, 400, StandInReplies.Error("stand-in: no rule of the script matches this request; add a rule (see docs/llm.md)", "stand_in_no_rule"));
            return;
        }
        if (reply.Rewrite is { } rewrites)
        {
            string source = path == "completions" ? (string?)body["prompt"] ?? ""
                : StandInReplies.ContentOf((body["messages"] as JsonArray)?.LastOrDefault(m => (string?)m?["role"] == "user"));
            foreach (var rw in rewrites)
                source = System.Text.RegularExpressions.Regex.Replace(source, rw.Pattern, rw.Replacement, System.Text.RegularExpressions.RegexOptions.Multiline);
            reply = reply with { Content = source, Text = source };
        }
        var caps = script.Capabilities;
        bool wantsLogprobs = path == "chat" ? ((bool?)body["logprobs"] ?? false) : body["logprobs"] is not null;
        int topN = path == "chat" ? ((int?)body["top_logprobs"] ?? 0) : ((int?)body["logprobs"] ?? 0);
        string? reject =
            wantsLogprobs && caps.Logprobs == StandInSupport.Reject ? "logprobs are not supported by this server" :
            wantsLogprobs && topN > caps.MaxTopLogprobs ? $"top_logprobs {topN} exceeds the maximum {caps.MaxTopLogprobs}" :
            body["tools"] is JsonArray { Count: > 0 } && caps.Tools == StandInSupport.Reject ? "\"auto\" tool choice requires --enable-auto-tool-choice" :
            body["response_format"] is not null && caps.JsonMode == StandInSupport.Reject ? "response_format is not supported" :
            path == "completions" && ((bool?)body["echo"] ?? false) && caps.Echo == StandInSupport.Reject ? "echo is not supported" : null;
        if (reject is not null) { await Json(ctx, 400, StandInReplies.Error($"stand-in: {reject}", "invalid_request_error")); return; }
        if (caps.Logprobs == StandInSupport.Ignore) wantsLogprobs = false;
        bool withTools = caps.Tools == StandInSupport.Yes;

        if (path == "completions") { await Json(ctx, 200, Completion(script, body, reply, model, wantsLogprobs, topN)); return; }
        bool stream = (bool?)body["stream"] ?? false;
        bool truncate = rule.Fault?.Kind == StandInFaultKind.TruncatedStream;
        if (stream) await Stream(ctx, body, reply, model, wantsLogprobs, topN, withTools, truncate, truncate ? rule.Fault!.DelayMs : null);
        else await Chat(ctx, body, reply, model, wantsLogprobs, topN, withTools);
    }

    /// <summary>A chat completion, written with a JSON writer rather than a node tree (the bytes JsonNode would write): a
    /// simulator answer with logprobs is thousands of positions × 20 alternatives, megabytes the stand-in must not spend
    /// the benchmark's CPU on.</summary>
    private static async Task Chat(HttpContext ctx, JsonObject body, StandInReply reply, string model, bool logprobs, int topN, bool withTools)
    {
        var (toks, cut) = StandInReplies.Limit(reply.Refusal is null ? reply.Content ?? "" : "", body);
        var calls = withTools && reply.ToolCalls is { Count: > 0 } tc ? StandInReplies.ToolCalls(tc, body) : null;
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Refusal is not null || (calls is not null && toks.Count == 0) ? null : string.Concat(toks) };
        if (reply.Refusal is not null) message["refusal"] = reply.Refusal;
        if (calls is not null) message["tool_calls"] = calls;
        int completion = toks.Count + (calls?.Sum(c => StandInReplies.Tokens((string?)c?["function"]?["arguments"] ?? "").Count) ?? 0);
        var usage = reply.Usage is { } u ? StandInReplies.Usage(u.PromptTokens, u.CompletionTokens) : StandInReplies.Usage(StandInReplies.PromptTokens(body), completion);

        // room for the whole answer at once (an entry with 20 alternatives is ~1.5 KB), not a chain of doubled copies
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(logprobs ? 4096 + toks.Count * (256 + 72 * Math.Max(1, topN)) : 1024);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", ResponseId("chatcmpl-stand-in", body));
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", StandInReplies.Created);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WritePropertyName("message");
            message.WriteTo(w);
            w.WriteString("finish_reason", reply.FinishReason ?? (calls is not null ? "tool_calls" : cut ? "length" : "stop"));
            if (logprobs)
            {
                w.WriteStartObject("logprobs");
                w.WriteStartArray("content");
                foreach (var t in toks) StandInReplies.WriteLogprobEntry(w, t, reply.TopLogprobs, topN);
                w.WriteEndArray();
                w.WriteNull("refusal");
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndArray();
            w.WritePropertyName("usage");
            usage.WriteTo(w);
            w.WriteEndObject();
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    private static async Task Stream(HttpContext ctx, JsonObject body, StandInReply reply, string model, bool logprobs, int topN, bool withTools,
                                     bool truncate, double? stallMs)
    {
        ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/event-stream";
        var (toks, cut) = StandInReplies.Limit(reply.Content ?? "", body);
        int stop = truncate ? toks.Count / 2 : toks.Count;
        async Task Send(JsonObject delta, string? finish, JsonObject? lp = null)
        {
            var choice = new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish };
            if (lp is not null) choice["logprobs"] = new JsonObject { ["content"] = new JsonArray(lp) };
            var chunk = new JsonObject
            {
                ["id"] = "chatcmpl-stand-in", ["object"] = "chat.completion.chunk", ["created"] = StandInReplies.Created, ["model"] = model,
                ["choices"] = new JsonArray(choice),
            };
            await ctx.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
        await Send(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
        for (int i = 0; i < stop; i++)
            await Send(new JsonObject { ["content"] = toks[i] }, null, logprobs ? StandInReplies.LogprobEntry(toks[i], reply.TopLogprobs, topN) : null);
        if (truncate)
        {
            if (stallMs is { } ms) await Task.Delay(TimeSpan.FromMilliseconds(ms), ctx.RequestAborted); // stall first, then end
            return; // the body ends without finish_reason or [DONE]
        }
        var calls = withTools && reply.ToolCalls is { Count: > 0 } tc ? StandInReplies.ToolCalls(tc, body) : null;
        if (calls is not null)
            for (int i = 0; i < calls.Count; i++)
            {
                var c = calls[i]!.DeepClone().AsObject();
                c["index"] = i;
                await Send(new JsonObject { ["tool_calls"] = new JsonArray(c) }, null);
            }
        await Send(new JsonObject(), reply.FinishReason ?? (calls is not null ? "tool_calls" : cut ? "length" : "stop"));
        if ((bool?)body["stream_options"]?["include_usage"] ?? false)
        {
            int completion = toks.Count + (calls?.Sum(c => StandInReplies.Tokens((string?)c?["function"]?["arguments"] ?? "").Count) ?? 0);
            var usage = new JsonObject
            {
                ["id"] = "chatcmpl-stand-in", ["object"] = "chat.completion.chunk", ["created"] = StandInReplies.Created, ["model"] = model,
                ["choices"] = new JsonArray(), ["usage"] = StandInReplies.Usage(StandInReplies.PromptTokens(body), completion),
            };
            await ctx.Response.WriteAsync("data: " + usage.ToJsonString() + "\n\n", ctx.RequestAborted);
        }
        await ctx.Response.WriteAsync("data: [DONE]\n\n", ctx.RequestAborted);
    }

    private static JsonObject Completion(StandInScript script, JsonObject body, StandInReply reply, string model, bool logprobs, int topN)
    {
        string prompt = (string?)body["prompt"] ?? "";
        bool echo = ((bool?)body["echo"] ?? false) && script.Capabilities.Echo == StandInSupport.Yes;
        var (gen, cut) = StandInReplies.Limit(reply.Text ?? reply.Content ?? "", body);
        var promptToks = StandInReplies.Tokens(prompt);
        var all = echo ? promptToks.Concat(gen).ToList() : gen;
        var choice = new JsonObject
        {
            ["index"] = 0, ["text"] = (echo ? prompt : "") + string.Concat(gen), ["finish_reason"] = cut ? "length" : "stop",
        };
        if (logprobs)
        {
            var tokens = new JsonArray(); var lps = new JsonArray(); var tops = new JsonArray(); var offsets = new JsonArray();
            int offset = 0;
            for (int i = 0; i < all.Count; i++)
            {
                tokens.Add(all[i]);
                offsets.Add(offset);
                offset += all[i].Length;
                if (echo && i == 0) { lps.Add(null); tops.Add(null); continue; } // OpenAI: no logprob for the first prompt token
                var e = StandInReplies.LogprobEntry(all[i], reply.TopLogprobs, Math.Max(1, topN));
                lps.Add((double)e["logprob"]!);
                var top = new JsonObject();
                foreach (var a in (JsonArray)e["top_logprobs"]!) top[(string)a!["token"]!] = (double)a["logprob"]!;
                tops.Add(top);
            }
            choice["logprobs"] = new JsonObject { ["tokens"] = tokens, ["token_logprobs"] = lps, ["top_logprobs"] = tops, ["text_offset"] = offsets };
        }
        return new JsonObject
        {
            ["id"] = ResponseId("cmpl-stand-in", body), ["object"] = "text_completion", ["created"] = StandInReplies.Created, ["model"] = model,
            ["choices"] = new JsonArray(choice), ["usage"] = StandInReplies.Usage(promptToks.Count, gen.Count),
        };
    }

    private static JsonObject Embeddings(StandInScript script, JsonObject body, string model)
    {
        var inputs = body["input"] switch
        {
            JsonArray a => a.Select(x => (string?)x ?? "").ToList(),
            JsonValue v => [(string?)v ?? ""],
            _ => [],
        };
        int dims = (int?)body["dimensions"] ?? script.EmbeddingDimensions;
        bool base64 = (string?)body["encoding_format"] == "base64";
        var data = new JsonArray();
        for (int i = 0; i < inputs.Count; i++)
        {
            var v = StandInReplies.Embedding(inputs[i], dims);
            JsonNode emb = base64
                ? JsonValue.Create(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan())))
                : new JsonArray(v.Select(x => (JsonNode)x).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = emb });
        }
        int tokens = StandInReplies.PromptTokens(body);
        return new JsonObject
        {
            ["object"] = "list", ["data"] = data, ["model"] = model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
    }
}

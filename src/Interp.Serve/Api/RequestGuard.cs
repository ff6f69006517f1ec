// The first middleware of every request: a declared body over Auth.max_body_bytes is answered 413 at once (the body
// read and dropped first, up to 16 MiB, so the client receives the answer), and a path or query whose
// percent-escapes decode to invalid UTF-8 is a 400 — both as problem+json, before routing.
using System.Text;
using Interp.Serve.Settings;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Interp.Serve.Api;

public sealed class RequestGuard(RequestDelegate next, AuthOptions auth)
{
    private const long DrainCap = 16L << 20;

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is long n && n > auth.MaxBodyBytes)
        {
            // Read and drop the body (up to a cap) before answering: a client still sending when the connection closes
            // would lose the answer. Beyond the cap the connection is closed after the answer.
            bool drained = n <= DrainCap;
            if (drained && ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
                var sink = new byte[16384];
                try { while (await ctx.Request.Body.ReadAsync(sink, ctx.RequestAborted) > 0) { } }
                catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException) { drained = false; }
            }
            else drained = false;
            await Problems.WriteAsync(ctx, 413, "request body too large", $"the body is {n} bytes; this server accepts at most {auth.MaxBodyBytes} (Auth.max_body_bytes)");
            if (!drained) ctx.Response.Headers.Connection = "close";
            return;
        }
        string raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        if (!ValidPercentUtf8(raw))
        {
            await Problems.WriteAsync(ctx, 400, "invalid UTF-8", "the path or query holds percent-escapes that are not UTF-8; encode text as UTF-8");
            return;
        }
        await next(ctx);
    }

    /// <summary>Whether the bytes the %XX escapes (and plain characters) of <paramref name="s"/> spell are valid UTF-8.</summary>
    public static bool ValidPercentUtf8(string s)
    {
        if (s.IndexOf('%') < 0) return true;
        var bytes = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && Uri.IsHexDigit(s[i + 1]) && Uri.IsHexDigit(s[i + 2]))
            {
                bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (s[i] == '+') bytes.Add((byte)' ');
            else bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
        }
        return System.Text.Unicode.Utf8.IsValid(bytes.ToArray()) && !bytes.Contains(0);
    }
}

// Every error the server answers with is RFC 9457 problem+json: {type, title, status, detail, instance}. Exceptions map
// through ErrorClassifier (bad input 400, not found 404, ...); anything unclassified is a bug (500, logged with its trace,
// the body says only "internal error").
using System.Text.Json;
using Interp.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Interp.Serve.Api;

public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext ctx, int status, string title, string? detail, int? retryAfterS = null)
    {
        if (ctx.Response.HasStarted) return Task.CompletedTask;
        ctx.Response.Clear();
        if (retryAfterS is int r) ctx.Response.Headers.RetryAfter = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = ContentType;
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://httpstatuses.io/{status}", ["title"] = title, ["status"] = status, ["detail"] = detail,
            ["instance"] = ctx.Request.Path.Value is { Length: <= 256 } p ? p : null,
        };
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(body, ServeJson.Options));
    }

    public static IResult Result(int status, string title, string? detail) =>
        Results.Problem(title: title, detail: detail, statusCode: status, type: $"https://httpstatuses.io/{status}");

    /// <summary>The status and title of an exception thrown while handling a request.</summary>
    public static (int Status, string Title, string Detail) Classify(Exception e)
    {
        if (e is BadHttpRequestException { StatusCode: 413 }) return (413, "request body too large", "the request body is larger than Auth.max_body_bytes allows; send less");
        if (e is BadHttpRequestException b)
            return (b.StatusCode, b.StatusCode == 413 ? "request body too large" : "bad request", b.StatusCode == 413
                ? "the request body is larger than Auth.max_body_bytes allows; send less" : b.Message);
        if (e is JsonException j) return (400, "malformed JSON", JsonErrorText.Describe(j));
        if (e is System.Text.DecoderFallbackException) return (400, "invalid UTF-8", "the request holds bytes that are not UTF-8; send UTF-8 text");
        if (e is ArgumentException a and not ArgumentNullException) return (400, "bad request", a.Message);
        var r = ErrorClassifier.Classify(e);
        return r.Kind switch
        {
            ErrorKind.NotFound => (404, "not found", r.Text),
            ErrorKind.Input or ErrorKind.Config or ErrorKind.Format => (400, "bad request", r.Text),
            ErrorKind.Resource => (503, "not enough resources", r.Text),
            ErrorKind.Interrupted => (503, "interrupted", "the server is shutting down; retry"),
            _ => (500, "internal error", "a bug in interp; the server log has the trace"),
        };
    }

    public static async Task HandleAsync(HttpContext ctx, Exception e, ILogger log)
    {
        var (status, title, detail) = Classify(e);
        if (status == 413) ctx.Response.OnStarting(() => { ctx.Response.Headers.Connection = "close"; return Task.CompletedTask; });
        if (status >= 500) log.LogError(e, "request {Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
        await WriteAsync(ctx, status, title, detail);
    }
}

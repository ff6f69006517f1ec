// Reads a request body as one JSON object, within Auth.max_body_bytes: a body that is not JSON, not UTF-8 or not an
// object is a 400 with what was wrong; one too large is a 413 (Kestrel's limit, or the declared Content-Length).
using System.Text.Json;
using Interp.Errors;
using Microsoft.AspNetCore.Http;

namespace Interp.Serve.Api;

public static class RequestJson
{
    public static async Task<JsonDocument> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentType is { } t && !t.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new InterpException($"the body is '{(t.Length > 64 ? t[..64] : t)}', not JSON", "Content-Type", "send Content-Type: application/json");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);                     // bounded by Kestrel's MaxRequestBodySize
        if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            throw new InterpException("the body is not valid UTF-8", "body", "send UTF-8 JSON");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException e) { throw new InterpException($"the body is not valid JSON: {JsonErrorText.Describe(e)}", "body", "send one JSON object"); }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new InterpException("the body must be a JSON object", "body", "send { ... }");
        }
        return doc;
    }
}

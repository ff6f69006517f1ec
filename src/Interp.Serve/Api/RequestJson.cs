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
        JsonDocument doc;
        try { doc = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 32 }, ct); }
        catch (JsonException e) { throw new InterpException($"the body is not valid JSON: {JsonErrorText.Describe(e)}", "body", "send one JSON object"); }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new InterpException("the body must be a JSON object", "body", "send { ... }");
        }
        return doc;
    }
}

// The web UI's page frame and HTML helpers: one layout (nav, our CSS and script, no CDN), encoding of every value
// that comes from data (labels, tokens, names), and the colour of a token by its activation. A large page (the feature
// page) is built in one StringBuilder and encoded to UTF-8 chunk by chunk (PageUtf8), never made one big string.
using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;

namespace Interp.Serve.Ui;

public static class Html
{
    public static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    public static string N(double d, string format = "G4") => d.ToString(format, CultureInfo.InvariantCulture);

    public static string Page(string title, string active, string body, string? script = null) =>
        Frame(new StringBuilder(), title, active, sb => sb.Append(body), script).ToString();

    /// <summary>The page as UTF-8 bytes; <paramref name="body"/> appends the main content.</summary>
    public static byte[] PageUtf8(string title, string active, Action<StringBuilder> body, string? script = null) =>
        Utf8(Frame(new StringBuilder(16384), title, active, body, script));

    private static StringBuilder Frame(StringBuilder sb, string title, string active, Action<StringBuilder> body, string? script)
    {
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        sb.Append("<title>").Append(E(title)).Append(" · interp</title><link rel=\"stylesheet\" href=\"/ui/app.css\"><link rel=\"icon\" href=\"data:,\"></head><body>");
        sb.Append("<nav><span class=\"brand\">interp</span>");
        foreach (var (href, name) in new[] { ("/", "Search"), ("/jobs", "Jobs"), ("/chat", "Chat"), ("/drift", "Drift") })
            sb.Append($"<a href=\"{href}\"{(name == active ? " class=\"active\"" : "")}>{name}</a>");
        sb.Append("<label class=\"key\">API key <input id=\"apikey\" type=\"password\" autocomplete=\"off\" placeholder=\"for jobs and chat\"></label></nav><main>");
        body(sb);
        sb.Append("</main><script src=\"/ui/app.js\"></script>");
        if (script is not null) sb.Append("<script>").Append(script).Append("</script>");
        sb.Append("</body></html>");
        return sb;
    }

    /// <summary>The builder's text as UTF-8, chunk by chunk (one encoder, so a surrogate pair split across chunks stays whole).</summary>
    public static byte[] Utf8(StringBuilder sb)
    {
        var enc = Encoding.UTF8.GetEncoder();
        var buf = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(sb.Length));
        try
        {
            int n = 0;
            foreach (var chunk in sb.GetChunks()) n += enc.GetBytes(chunk.Span, buf.AsSpan(n), flush: false);
            n += enc.GetBytes(ReadOnlySpan<char>.Empty, buf.AsSpan(n), flush: true);
            return buf.AsSpan(0, n).ToArray();
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>Background colour of a token: transparent at 0, saturated orange at the feature's max.</summary>
    public static string Heat(double value, double max)
    {
        double a = max > 0 ? Math.Clamp(value / max, 0, 1) : 0;
        return a <= 0 ? "transparent" : $"rgba(255,140,0,{N(0.12 + 0.88 * a, "F3")})";
    }

    /// <summary>Heat(value, max) appended to <paramref name="sb"/> without a string per token.</summary>
    public static StringBuilder AppendHeat(StringBuilder sb, double value, double max)
    {
        double a = max > 0 ? Math.Clamp(value / max, 0, 1) : 0;
        return a <= 0 ? sb.Append("transparent") : sb.Append(CultureInfo.InvariantCulture, $"rgba(255,140,0,{0.12 + 0.88 * a:F3})");
    }
}

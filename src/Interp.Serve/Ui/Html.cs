// The web UI's page frame and HTML helpers: one layout (nav, our CSS and script, no CDN), encoding of every value
// that comes from data (labels, tokens, names), and the colour of a token by its activation.
using System.Globalization;
using System.Net;
using System.Text;

namespace Interp.Serve.Ui;

public static class Html
{
    public static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    public static string N(double d, string format = "G4") => d.ToString(format, CultureInfo.InvariantCulture);

    public static string Page(string title, string active, string body, string? script = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        sb.Append("<title>").Append(E(title)).Append(" · interp</title><link rel=\"stylesheet\" href=\"/ui/app.css\"><link rel=\"icon\" href=\"data:,\"></head><body>");
        sb.Append("<nav><span class=\"brand\">interp</span>");
        foreach (var (href, name) in new[] { ("/", "Search"), ("/jobs", "Jobs"), ("/chat", "Chat"), ("/drift", "Drift") })
            sb.Append($"<a href=\"{href}\"{(name == active ? " class=\"active\"" : "")}>{name}</a>");
        sb.Append("<label class=\"key\">API key <input id=\"apikey\" type=\"password\" autocomplete=\"off\" placeholder=\"for jobs and chat\"></label></nav><main>");
        sb.Append(body);
        sb.Append("</main><script src=\"/ui/app.js\"></script>");
        if (script is not null) sb.Append("<script>").Append(script).Append("</script>");
        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>Background colour of a token: transparent at 0, saturated orange at the feature's max.</summary>
    public static string Heat(double value, double max)
    {
        double a = max > 0 ? Math.Clamp(value / max, 0, 1) : 0;
        return a <= 0 ? "transparent" : $"rgba(255,140,0,{N(0.12 + 0.88 * a, "F3")})";
    }
}

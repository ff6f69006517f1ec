// 1,000 hostile requests against a real server: no key, wrong key, read-only key on admin routes, oversized bodies,
// malformed JSON, unknown feature ids, path traversal in every path parameter, huge k, SQL-looking strings, invalid
// UTF-8. Every answer must be a 4xx with problem+json, none a 5xx; afterwards /healthz answers, the queue holds no job
// the requests could have created, and the table of outcomes is written to artifacts/serve-tests/hostile.md.
using System.Net;
using System.Text;

namespace Interp.Serve.Tests.Api;

[Collection(ServeCollection.Name)]
public sealed class HostileRequestTests(ServerFixture s) : IClassFixture<ServerFixture>
{
    private sealed record Case(string Category, Func<HttpRequestMessage> Make, HttpClient Client);

    private static readonly string Sae = ServeTestEnv.Sae;
    private static readonly string[] Traversal = ["..%2F..%2Fetc%2Fpasswd", "..%252F..%252F", "%2e%2e%2f%2e%2e%2fappsettings.json", "....//....//etc", "..%5C..%5Cetc%5Cpasswd", "..\\..\\windows", "~root", "%2Fetc%2Fpasswd"];
    private static readonly string[] Sql = ["' OR 1=1 --", "1; DROP TABLE interp_jobs; --", "\" OR \"\"=\"", "1 UNION SELECT * FROM interp_jobs", "'); DELETE FROM interp_job_steps; --"];

    private List<Case> Cases()
    {
        var r = new Random(14);
        HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);
        HttpRequestMessage Post(string url, string body, string type = "application/json") => new(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, type) };
        HttpRequestMessage PostBytes(string url, byte[] body) => new(HttpMethod.Post, url) { Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } } };
        var wrong = s.Client("not-a-key-" + Guid.NewGuid().ToString("N"));
        string[] adminRoutes = ["/api/jobs", "/api/jobs/1/cancel", "/api/jobs/1/retry", "/api/evals/toy-gt/run"];
        var list = new List<Case>();
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            list.Add(new("no key on admin routes", () => Post(adminRoutes[i % adminRoutes.Length], "{\"kind\":\"eval\",\"args\":{\"suite\":\"toy-gt\"}}"), s.Anonymous));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            string url = (i % 3) switch { 0 => "/api/saes", 1 => $"/api/saes/{Sae}/features/1", _ => "/api/jobs" };
            int k = i;
            list.Add(new("wrong key", () => k % 2 == 0 ? Get(url) : Post("/api/jobs", "{}"), wrong));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            list.Add(new("read-only key on admin routes", () => Post(adminRoutes[i % adminRoutes.Length], "{\"kind\":\"eval\",\"args\":{\"suite\":\"toy-gt\"}}"), s.Reader));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            int size = 65536 + 1 + i * 7919;
            list.Add(new("oversized body", () => i % 2 == 0 ? Post("/api/jobs", "{\"kind\":\"" + new string('a', size) + "\"}")
                : Post("/api/search/direction", "{\"vector\":[" + string.Join(",", Enumerable.Repeat("0.5", size / 4)) + "]}"), i % 2 == 0 ? s.Admin : s.Reader));
        }
        string[] malformed = ["{", "{\"kind\":", "[1,2", "{\"kind\": eval}", "nul", "{\"a\":1}}", "\"just a string\"", "[]", "{\"kind\":\"eval\",\"args\":[1]}", "{\"vector\": \"x\"}", "{\"kind\":\"eval\",\"args\":{\"suite\":1}}", new string('[', 100)];
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            string body = malformed[i % malformed.Length];
            list.Add(new("malformed JSON", () => i % 2 == 0 ? Post("/api/jobs", body) : Post("/api/search/direction", body), s.Admin));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            string id = (i % 5) switch { 0 => "1024", 1 => "-1", 2 => "99999999999999999999", 3 => r.Next(1024, int.MaxValue).ToString(), _ => "0x10" };
            list.Add(new("unknown feature ids", () => Get(i % 2 == 0 ? $"/api/saes/{Sae}/features/{id}" : $"/features/{Sae}/{id}"), s.Reader));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            string t = Traversal[i % Traversal.Length];
            string url = (i % 6) switch
            {
                0 => $"/api/saes/{t}/features/1", 1 => $"/api/saes/{Sae}/features/{t}", 2 => $"/api/jobs/{t}", 3 => $"/api/evals/{t}/drift",
                4 => $"/ui/{t}", _ => $"/features/{t}/1",
            };
            list.Add(new("path traversal", () => Get(url), s.Reader));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            string url = (i % 5) switch
            {
                0 => "/api/search?text=names&top=1000000", 1 => $"/api/saes/{Sae}/features/1?neighbours=1000000000", 2 => "/api/jobs?limit=99999999",
                3 => "/api/search?text=x&offset=2147483647", _ => "/api/search?text=x&top=-5",
            };
            list.Add(new("huge k", () => Get(url), s.Reader));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            string q = Uri.EscapeDataString(Sql[i % Sql.Length]);
            string url = (i % 5) switch
            {
                0 => $"/api/search?text=x&sae={q}", 1 => $"/api/jobs/{q}", 2 => $"/api/jobs?state={q}", 3 => $"/api/evals/{q}/history", _ => $"/api/saes/{q}/features/1",
            };
            list.Add(new("SQL-looking strings", () => Get(url), s.Reader));
        }
        for (int j = 0; j < 100; j++)
        {
            int i = j;
            byte[] bad = [.. "{\"kind\":\""u8.ToArray(), 0xFF, 0xFE, (byte)(0x80 + i % 32), .. "\"}"u8.ToArray()];
            string url = (i % 4) switch { 0 => "/api/search?text=%FF%FE%C3%28", 1 => $"/api/saes/%C3%28{i}/features/1", 2 => "/?q=%FF%80", _ => "" };
            list.Add(new("invalid UTF-8", () => url.Length > 0 ? Get(url) : PostBytes("/api/jobs", bad), s.Admin));
        }
        return list;
    }

    [Fact]
    public async Task ThousandHostileRequests_All4xxProblemJson_NoneServerError_StillHealthy()
    {
        var cases = Cases();
        Assert.Equal(1000, cases.Count);
        var table = new SortedDictionary<string, SortedDictionary<int, int>>();
        var bad = new List<string>();
        foreach (var c in cases)
        {
            using var req = c.Make();
            req.Headers.Accept.ParseAdd("application/json");
            string url = req.RequestUri!.ToString();
            HttpResponseMessage resp;
            try { resp = await c.Client.SendAsync(req); }
            catch (HttpRequestException e)
            {
                bad.Add($"{c.Category}: {req.Method} {(url.Length > 120 ? url[..120] : url)} -> no answer ({e.InnerException?.Message ?? e.Message})");
                continue;
            }
            using var _ = resp;
            int code = (int)resp.StatusCode;
            var row = table.TryGetValue(c.Category, out var x) ? x : table[c.Category] = new();
            row[code] = row.GetValueOrDefault(code) + 1;
            string? type = resp.Content.Headers.ContentType?.MediaType;
            if (code is < 400 or >= 500 || type != "application/problem+json")
            {
                string b = await resp.Content.ReadAsStringAsync();
                bad.Add($"{c.Category}: {req.Method} {(url.Length > 120 ? url[..120] : url)} -> {code} {type} {b[..Math.Min(200, b.Length)]}");
            }
        }
        var md = new StringBuilder("| category | requests | answers |\n|---|---|---|\n");
        foreach (var (cat, codes) in table) md.Append($"| {cat} | {codes.Values.Sum()} | {string.Join(", ", codes.Select(kv => $"{kv.Value}× {kv.Key}"))} |\n");
        File.WriteAllText(Path.Combine(ServeTestEnv.Artifacts, "hostile.md"), md.ToString());
        Assert.True(bad.Count == 0, $"{bad.Count} answers were not 4xx problem+json:\n" + string.Join("\n", bad.Take(30)) + "\n" + md);
        Assert.Equal(HttpStatusCode.OK, (await s.Anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal("[]", await s.Reader.GetStringAsync("/api/jobs"));     // nothing queued by any of them, no table dropped
    }

    /// <summary>An escaped NUL in the path (%00) is refused by Kestrel while it parses the request line, before any of
    /// our code runs: a bare 400 (no body) and a closed connection. Not problem+json (nothing of ours answers), but a 4xx,
    /// and the server stays healthy.</summary>
    [Fact]
    public async Task NulInPath_KestrelRefuses400_ServerStaysHealthy()
    {
        foreach (var url in new[] { "/api/jobs/%00", "/api/saes/%00/features/1", "/ui/%00" })
        {
            using var r = await s.Reader.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await s.Anonymous.GetAsync("/healthz")).StatusCode);
    }
}

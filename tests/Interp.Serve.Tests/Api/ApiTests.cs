// The HTTP API against a real server: health, OpenAPI, the feature page's data from the cache and the index, search by
// text with filters and by direction, jobs with SSE progress, scopes, rate limits, problem+json.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Interp.Serve.Tests.Api;

[Collection(ServeCollection.Name)]
public sealed class ApiTests(LabeledServerFixture f) : IClassFixture<LabeledServerFixture>
{
    private ServerFixture S => f.Server;

    [Fact]
    public async Task Health_OpenApi_ListAllRoutes()
    {
        Assert.Equal("ok", JsonDocument.Parse(await S.Anonymous.GetStringAsync("/healthz")).RootElement.GetProperty("status").GetString());
        Assert.Equal("ready", JsonDocument.Parse(await S.Anonymous.GetStringAsync("/readyz")).RootElement.GetProperty("status").GetString());
        var doc = JsonDocument.Parse(await S.Anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var p in new[] { "/api/saes/{sae}/features/{feature}", "/api/search", "/api/jobs", "/api/jobs/{id}/events", "/api/evals/{suite}/drift" })
            Assert.Contains(p, paths);
    }

    [Fact]
    public async Task Feature_FromCacheAndIndex_AllSections()
    {
        // the feature with the most activations in the cache, so the examples are not empty
        var v = JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/saes/{ServeTestEnv.Sae}/features/3")).RootElement;
        Assert.Equal(3, v.GetProperty("feature").GetInt32());
        Assert.Equal(LabeledServerFixture.Topics[3] + " (test record 3)", v.GetProperty("labels")[0].GetProperty("text").GetString());
        var score = v.GetProperty("scores")[0];
        Assert.True(score.GetProperty("ci_low").GetDouble() < score.GetProperty("value").GetDouble());
        Assert.True(v.GetProperty("has_cache").GetBoolean());
        var stats = v.GetProperty("stats");
        Assert.Equal(96 * 64, stats.GetProperty("tokens").GetInt64());
        long count = stats.GetProperty("count").GetInt64();
        Assert.Equal(count, v.GetProperty("histogram").GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64()));
        Assert.Equal(8, v.GetProperty("neighbours").GetArrayLength());
        if (count > 0)
        {
            var ex = v.GetProperty("top_examples")[0];
            int peak = ex.GetProperty("peak").GetInt32();
            Assert.Equal(ex.GetProperty("peak_value").GetDouble(), ex.GetProperty("activations")[peak].GetDouble(), 4);
            Assert.Equal(ex.GetProperty("tokens").GetArrayLength(), ex.GetProperty("activations").GetArrayLength());
        }
    }

    [Fact]
    public async Task Search_TextWithFilters_FindsTopicAndRespectsMinScore()
    {
        var hits = JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/search?text=names%20of%20people&sae={ServeTestEnv.Sae}&top=5")).RootElement;
        Assert.Equal(5, hits.GetArrayLength());
        Assert.StartsWith("names of people", hits[0].GetProperty("label").GetString());
        Assert.Equal(0, hits[0].GetProperty("feature").GetInt32() % LabeledServerFixture.Topics.Length);
        var filtered = JsonDocument.Parse(await S.Reader.GetStringAsync("/api/search?text=names%20of%20people&min_score=0.595&top=50")).RootElement;
        Assert.NotEqual(0, filtered.GetArrayLength());
        foreach (var h in filtered.EnumerateArray()) Assert.True(h.GetProperty("headline_score").GetDouble() >= 0.595);
        Assert.Equal(64 - 50, filtered.GetArrayLength());      // scores 0.1 + 0.01·i ≥ 0.6 ⇔ i ≥ 50
    }

    [Fact]
    public async Task SearchDirection_OwnDecoderRow_RanksItselfFirst()
    {
        var dec = Interp.Dictionaries.Analysis.DecoderDirections.Load(Path.Combine(ServeTestEnv.RepoRoot, "evals/saes/toy-small-resid2-topk"));
        var r = await S.Reader.PostAsJsonAsync("/api/search/direction", new { vector = dec.Row(7), top = 3 });
        var hits = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(7, hits[0].GetProperty("feature").GetInt32());
        Assert.Equal(1.0, hits[0].GetProperty("score").GetDouble(), 4);
    }

    [Fact]
    public async Task Jobs_SseProgress_EndsWithSucceeded()
    {
        var job = await S.SubmitAsync("eval", new { suite = "toy-gt" });
        long id = job.GetProperty("id").GetInt64();
        using var resp = await S.Reader.GetAsync($"/api/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", resp.Content.Headers.ContentType!.MediaType);
        using var rd = new StreamReader(await resp.Content.ReadAsStreamAsync());
        var events = new List<string>();
        string? line, ev = null;
        while ((line = await rd.ReadLineAsync()) is not null)
        {
            if (line.StartsWith("event: ")) ev = line[7..];
            else if (line.StartsWith("data: ")) { events.Add(ev + " " + line[6..]); if (ev == "end") break; }
        }
        Assert.Contains(events, e => e.StartsWith("progress ") && e.Contains("\"running\""));
        Assert.Contains(events, e => e.StartsWith("log ") && e.Contains("accuracy"));
        Assert.StartsWith("end ", events[^1]);
        Assert.Contains("\"succeeded\"", events[^1]);
    }

    [Fact]
    public async Task Scopes_ReadKeyCannotSubmit_WrongKeyIs401()
    {
        var r = await S.Reader.PostAsJsonAsync("/api/jobs", new { kind = "eval", args = new { suite = "toy-gt" } });
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        var w = await S.Client("wrong-key-0000000000000").GetAsync("/api/saes");
        Assert.Equal(HttpStatusCode.Unauthorized, w.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await S.Anonymous.PostAsJsonAsync("/api/jobs", new { kind = "eval" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await S.Anonymous.GetAsync("/api/saes")).StatusCode);
    }

    [Fact]
    public async Task BadJob_Is400BeforeQueueing()
    {
        var r = await S.Admin.PostAsJsonAsync("/api/jobs", new { kind = "cache_build", args = new { sae = ServeTestEnv.Sae, idz = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("did you mean 'ids'", JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        var k = await S.Admin.PostAsJsonAsync("/api/jobs", new { kind = "nope", args = new { } });
        Assert.Contains("cache_build", await k.Content.ReadAsStringAsync());
    }
}

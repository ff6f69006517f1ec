// Per-key rate limits: a key allowed 60 requests a minute gets a burst of 10, then 429 with Retry-After, while another
// key is unaffected.
using System.Net;
using System.Text.Json.Nodes;

namespace Interp.Serve.Tests.Api;

[Collection(ServeCollection.Name)]
public sealed class RateLimitTests : IAsyncLifetime
{
    private sealed class SlowAdminServer : ServerFixture
    {
        public override string Config() => ServeTestEnv.WriteConfig(Dir, rpmAdmin: 60);
    }

    private readonly SlowAdminServer _s = new();
    public Task InitializeAsync() => _s.InitializeAsync();
    public Task DisposeAsync() => _s.DisposeAsync();

    [Fact]
    public async Task OverRate_429ProblemWithRetryAfter_OtherKeyUnaffected()
    {
        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 20; i++) codes.Add((await _s.Admin.GetAsync("/api/saes")).StatusCode);
        Assert.Equal(10, codes.Count(c => c == HttpStatusCode.OK));          // token bucket: 60/6 = 10 at once
        Assert.Equal(10, codes.Count(c => c == HttpStatusCode.TooManyRequests));
        var r = await _s.Admin.GetAsync("/api/saes");
        Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(r.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await _s.Reader.GetAsync("/api/saes")).StatusCode);
    }
}

// The retry delays as pure functions: the default 1 s → 10 s exponential schedule with and without jitter, and the
// server's wait read from retry-after-ms, Retry-After seconds and Retry-After dates (429/503 only).
using System.Net;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Resilience;

namespace Interp.Agent.Tests.Llm.Resilience;

public sealed class RetryScheduleTests
{
    [Fact]
    public void Backoff_DefaultsWithoutJitter_OneTwoFourEightThenTenSecondCap()
    {
        var s = new RetrySchedule(new LlmRetryOptions(), () => 0);
        Assert.Equal([1000, 2000, 4000, 8000, 10_000, 10_000], Enumerable.Range(0, 6).Select(i => s.Backoff(i).TotalMilliseconds));
    }

    [Fact]
    public void Backoff_JitterHalf_StretchesByTenPercentBelowTheCap()
    {
        var s = new RetrySchedule(new LlmRetryOptions { Jitter = 0.2 }, () => 0.5);
        Assert.Equal([1100, 2200, 4400, 8800, 10_000], Enumerable.Range(0, 5).Select(i => s.Backoff(i).TotalMilliseconds));
    }

    [Fact]
    public void Backoff_SeededJitter_SpreadsTwoClients()
    {
        var a = new RetrySchedule(new LlmRetryOptions(), new Random(1).NextDouble);
        var b = new RetrySchedule(new LlmRetryOptions(), new Random(2).NextDouble);
        var da = a.Backoff(0).TotalMilliseconds;
        var db = b.Backoff(0).TotalMilliseconds;
        Assert.InRange(da, 1000, 1200);
        Assert.InRange(db, 1000, 1200);
        Assert.NotEqual(da, db);
    }

    private static HttpResponseMessage Response(HttpStatusCode status, Action<HttpResponseMessage> headers)
    {
        var r = new HttpResponseMessage(status);
        headers(r);
        return r;
    }

    [Fact]
    public void RetryAfter_MsHeaderSecondsAndDate_AllRead()
    {
        var now = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        using var ms = Response(HttpStatusCode.TooManyRequests, r => r.Headers.TryAddWithoutValidation("retry-after-ms", "250"));
        using var secs = Response(HttpStatusCode.ServiceUnavailable, r => r.Headers.TryAddWithoutValidation("Retry-After", "3"));
        using var date = Response(HttpStatusCode.TooManyRequests, r => r.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(7).ToString("R")));
        using var both = Response(HttpStatusCode.TooManyRequests, r => { r.Headers.TryAddWithoutValidation("Retry-After", "3"); r.Headers.TryAddWithoutValidation("retry-after-ms", "40"); });

        Assert.Equal(TimeSpan.FromMilliseconds(250), RetrySchedule.RetryAfter(ms, now));
        Assert.Equal(TimeSpan.FromSeconds(3), RetrySchedule.RetryAfter(secs, now));
        Assert.Equal(TimeSpan.FromSeconds(7), RetrySchedule.RetryAfter(date, now));
        Assert.Equal(TimeSpan.FromMilliseconds(40), RetrySchedule.RetryAfter(both, now)); // OpenAI's finer header wins
    }

    [Fact]
    public void RetryAfter_OtherStatusOrNoHeader_Null()
    {
        var now = DateTimeOffset.UtcNow;
        using var e500 = Response(HttpStatusCode.InternalServerError, r => r.Headers.TryAddWithoutValidation("Retry-After", "3"));
        using var none = Response(HttpStatusCode.TooManyRequests, _ => { });
        Assert.Null(RetrySchedule.RetryAfter(e500, now));
        Assert.Null(RetrySchedule.RetryAfter(none, now));
    }
}

// The retry delays: exponential backoff with jitter (1 s → 10 s cap by default, as OpenAI's automated-interpretability
// client), and the server's Retry-After / retry-after-ms on 429 and 503. Pure functions, so tests assert them exactly.
using System.Globalization;
using System.Net;
using Interp.Agent.Llm.Options;

namespace Interp.Agent.Llm.Resilience;

public sealed class RetrySchedule(LlmRetryOptions options, Func<double> random)
{
    public LlmRetryOptions Options { get; } = options;

    /// <summary>Delay before retry number <paramref name="retry"/> (0 = the first retry): min(max, base·2^retry·(1 + jitter·u)), u ∈ [0, 1).</summary>
    public TimeSpan Backoff(int retry)
    {
        double ms = Options.BaseDelayMs * Math.Pow(2, retry) * (1 + Options.Jitter * random());
        return TimeSpan.FromMilliseconds(Math.Min(Options.MaxDelayMs, ms));
    }

    /// <summary>The wait a 429/503 response asks for: `retry-after-ms` (OpenAI's), else `Retry-After` (seconds or an HTTP date).</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)) return null;
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double m) && m >= 0)
            return TimeSpan.FromMilliseconds(m);
        var ra = response.Headers.RetryAfter;
        if (ra?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (ra?.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}

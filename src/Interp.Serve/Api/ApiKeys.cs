// API-key authentication, scopes and per-key rate limits, in one middleware that runs after routing: the endpoint's
// required scope (RequireScope metadata; default read) against the key in `X-Api-Key` or `Authorization: Bearer`. No key:
// anonymous read where Auth.anonymous_read allows it. A key that is not known is always 401 (never anonymous); a read key
// on an admin route is 403; over the key's rate, 429 with Retry-After. Keys are read from the environment at start and
// compared in constant time by their SHA-256.
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Interp.Errors;
using Interp.Serve.Settings;
using Microsoft.AspNetCore.Http;

namespace Interp.Serve.Api;

/// <summary>Endpoint metadata: the scope a route needs. None = open (health probes).</summary>
public sealed record RequireScope(ApiScope? Scope);

public sealed class ApiKeyRing
{
    private readonly List<(byte[] Hash, ApiKeyOptions Key)> _keys = [];

    public ApiKeyRing(AuthOptions auth, Func<string, string?> env)
    {
        foreach (var k in auth.Keys)
        {
            string value = env(k.KeyEnv) is { Length: > 0 } v ? v
                : throw new ConfigException($"Auth key '{k.Name}' reads its value from the environment variable {k.KeyEnv}, which is not set", "environment", k.KeyEnv,
                    $"export {k.KeyEnv}=<a long random key>, or remove the key from Auth.keys");
            if (value.Length < 16) throw new ConfigException($"the API key in {k.KeyEnv} is shorter than 16 characters", "environment", k.KeyEnv, "use a long random key");
            _keys.Add((SHA256.HashData(Encoding.UTF8.GetBytes(value)), k));
        }
    }

    public ApiKeyOptions? Find(string presented)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyOptions? found = null;
        foreach (var (hash, key) in _keys) if (CryptographicOperations.FixedTimeEquals(hash, h)) found = key;
        return found;
    }
}

public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyRing ring, AuthOptions auth) : IDisposable
{
    private const string Anonymous = "anonymous";
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(name =>
    {
        int rpm = name == Anonymous ? auth.AnonymousRequestsPerMinute : auth.Keys.First(k => k.Name == name).RequestsPerMinute;
        return RateLimitPartition.GetTokenBucketLimiter(name, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, rpm / 6), TokensPerPeriod = Math.Max(1, rpm / 60), ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0, AutoReplenishment = true,
        });
    });

    public async Task InvokeAsync(HttpContext ctx)
    {
        var need = ctx.GetEndpoint()?.Metadata.GetMetadata<RequireScope>() is { } r ? r.Scope : ApiScope.Read;
        if (need is null) { await next(ctx); return; }

        string? presented = ctx.Request.Headers["X-Api-Key"].FirstOrDefault();
        if (presented is null && ctx.Request.Headers.Authorization.FirstOrDefault() is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            presented = a[7..].Trim();
        string who;
        if (presented is not null)
        {
            if (ring.Find(presented) is not { } key)
            {
                await Problems.WriteAsync(ctx, 401, "unknown API key", "the key sent in X-Api-Key (or Authorization: Bearer) is not one of this server's keys");
                return;
            }
            if (need == ApiScope.Admin && key.Scope != ApiScope.Admin)
            {
                await Problems.WriteAsync(ctx, 403, "admin scope needed", $"the key '{key.Name}' is read-only; this route changes state and needs an admin key");
                return;
            }
            who = key.Name;
            ctx.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, key.Name), new Claim("scope", key.Scope.ToString().ToLowerInvariant())], "ApiKey"));
        }
        else
        {
            if (need == ApiScope.Admin || !auth.AnonymousRead || ctx.GetEndpoint()?.Metadata.GetMetadata<KeyRequired>() is not null)
            {
                await Problems.WriteAsync(ctx, 401, "API key needed", need == ApiScope.Admin ? "this route needs an admin key in X-Api-Key" : "send a key in X-Api-Key");
                return;
            }
            who = Anonymous;
        }
        using var lease = _limiter.AttemptAcquire(who);
        if (!lease.IsAcquired)
        {
            await Problems.WriteAsync(ctx, 429, "rate limit exceeded", $"'{who}' sent more requests than its requests_per_minute allows; retry after a second", retryAfterS: 1);
            return;
        }
        await next(ctx);
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Endpoint metadata: a key is required even for reading (MCP).</summary>
public sealed record KeyRequired;

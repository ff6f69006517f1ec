// The one entry point to LLMs: role-based chat, legacy completions and embeddings that return outcomes, a Kernel per
// role for SK-driven work (function calling, streaming), and the store behind the cache, the ledger and the probes.
// Every path — SK's requests included — goes through the same role handler (budget, accounting) and endpoint pipeline.
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Options;
using Interp.Agent.Llm.Resilience;
using Interp.Agent.Llm.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace Interp.Agent.Llm;

public sealed partial class LlmClient : IDisposable
{
    private readonly LlmClientSettings _settings;
    private readonly bool _ownsStore;
    private readonly ILogger<LlmClient> _log;
    private readonly ConcurrentDictionary<string, Lazy<EndpointRuntime>> _endpoints = new();
    private readonly ConcurrentDictionary<LlmRole, Lazy<RoleRuntime>> _roles = new();
    private readonly ConcurrentDictionary<string, Task> _live = new();   // response-cache key → the call on the wire for it

    public LlmClient(LlmOptions options, LlmClientSettings? settings = null)
    {
        LlmOptionsLoader.Validate(options, LlmOptionsLoader.Section);
        Options = options;
        _settings = settings ?? new LlmClientSettings();
        _log = _settings.LoggerFactory.CreateLogger<LlmClient>();
        _ownsStore = _settings.Store is null;
        Store = _settings.Store ?? LlmStore.Open(LlmOptionsLoader.ExpandPath(options.StorePath));
        Ledger = new UsageLedger(Store);
    }

    public LlmOptions Options { get; }

    /// <summary>The SQLite store (response cache, call ledger, probes).</summary>
    public LlmStore Store { get; }

    public UsageLedger Ledger { get; }

    public bool IsConfigured(LlmRole role) => Options.Roles.ContainsKey(role.Key());

    /// <summary>The configured model id of a role.</summary>
    public string ModelOf(LlmRole role) => Runtime(role).Model;

    /// <summary>The base URL a role calls.</summary>
    public Uri BaseUrlOf(LlmRole role) => Runtime(role).BaseUrl;

    /// <summary>
    /// A new Kernel whose IChatCompletionService is the role's OpenAI connector (through the pipeline and accounting).
    /// Add plugins to it; open <see cref="BeginScope"/> around its calls to account them to a run and feature.
    /// </summary>
    public Kernel CreateKernel(LlmRole role)
    {
        var b = Kernel.CreateBuilder();
        b.Services.AddSingleton(_settings.LoggerFactory);
        b.Services.AddSingleton<IChatCompletionService>(Runtime(role).Chat);
        return b.Build();
    }

    /// <summary>The role's SK chat service (the same one CreateKernel registers).</summary>
    public IChatCompletionService ChatService(LlmRole role) => Runtime(role).Chat;

    /// <summary>Accounts every request made until the scope is disposed (also SK's own) to <paramref name="context"/>.</summary>
    public LlmCallScope BeginScope(LlmCallContext context) => LlmCallScope.Begin(context);

    /// <summary>The circuit breakers of the endpoints this client has used so far: openings, waits, whether down.</summary>
    public IReadOnlyList<CircuitHealth> Circuits() =>
        _endpoints.Values.Where(l => l.IsValueCreated).Select(l => l.Value.Handler.Health).OrderBy(h => h.Endpoint, StringComparer.Ordinal).ToList();

    internal RoleRuntime Runtime(LlmRole role) => _roles.GetOrAdd(role, r => new Lazy<RoleRuntime>(() => CreateRole(r))).Value;

    private RoleRuntime CreateRole(LlmRole role)
    {
        if (!Options.Roles.TryGetValue(role.Key(), out var ro))
            throw new LlmConfigException($"{LlmOptionsLoader.Section}.roles.{role.Key()}: the role is not configured; add it (endpoint, model) to the Llm section " +
                                         $"(configured: {string.Join(", ", Options.Roles.Keys.DefaultIfEmpty("none"))})");
        var ep = Options.Endpoints[ro.Endpoint];
        string? key = LlmOptionsLoader.ResolveApiKey(Options, ro.Endpoint, _settings.Environment);
        var endpoint = _endpoints.GetOrAdd(ro.Endpoint, n => new Lazy<EndpointRuntime>(() => CreateEndpoint(n, ep))).Value;
        var handler = new RoleHandler(role, ro.Endpoint, ro.Model, Options.Prices.GetValueOrDefault(ro.Model), key is not null, ep.SendMaxTokens,
            TimeSpan.FromSeconds(ep.RequestTimeoutS), Ledger)
        {
            InnerHandler = endpoint.Handler,
        };
        var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        // our own requests (chat, legacy completions, embeddings) carry the key too; the SDK's set their own header
        if (key is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var baseUrl = new Uri(ep.BaseUrl.TrimEnd('/') + "/");
        var openAi = new OpenAIClient(new ApiKeyCredential(key ?? "no-key"), new OpenAIClientOptions
        {
            Endpoint = new Uri(ep.BaseUrl.TrimEnd('/')),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),        // Polly is the only layer that retries
            NetworkTimeout = Timeout.InfiniteTimeSpan,     // the pipeline owns timeouts
            UserAgentApplicationId = "interp",
        });
        var chat = new OpenAIChatCompletionService(ro.Model, openAi, _settings.LoggerFactory);
        _log.LogInformation("LLM role {Role}: model {Model} at {BaseUrl} (endpoint {Endpoint})", role.Key(), ro.Model, ep.BaseUrl, ro.Endpoint);
        return new RoleRuntime(role, ro.Endpoint, ep, ro, baseUrl, handler, http, openAi, chat);
    }

    private EndpointRuntime CreateEndpoint(string name, LlmEndpointOptions ep)
    {
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(30, ep.RequestTimeoutS)),
            MaxConnectionsPerServer = Math.Max(ep.MaxConcurrency * 2, 16),
        };
        var health = new CircuitHealth(name, ep.CircuitBreaker.DownAfterOpens, TimeSpan.FromSeconds(ep.CircuitBreaker.BreakS));
        var pipeline = EndpointPipeline.Build(name, ep, _settings.JitterSource, _settings.Time, _log, health);
        return new EndpointRuntime(new ResilienceHandler(pipeline, health) { InnerHandler = sockets });
    }

    public void Dispose()
    {
        foreach (var r in _roles.Values.Where(l => l.IsValueCreated)) { r.Value.Http.Dispose(); r.Value.Handler.Dispose(); }
        foreach (var e in _endpoints.Values.Where(l => l.IsValueCreated)) e.Value.Handler.Dispose();
        if (_ownsStore) Store.Dispose();
    }

    internal sealed record EndpointRuntime(ResilienceHandler Handler);

    internal sealed record RoleRuntime(
        LlmRole Role, string EndpointName, LlmEndpointOptions Endpoint, LlmRoleOptions Options, Uri BaseUrl,
        DelegatingHandler Handler, HttpClient Http, OpenAIClient OpenAI, IChatCompletionService Chat)
    {
        public string Model => Options.Model;
    }
}

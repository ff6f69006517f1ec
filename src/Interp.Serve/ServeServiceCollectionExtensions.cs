// This assembly's DI registration and endpoint map: the catalog, the job queue (SQLite or PostgreSQL) with its worker and
// handlers, eval suites on Quartz, feature pages and search, API-key auth, problem+json, OpenAPI, the web UI and MCP.
using Interp.Errors;
using Interp.Serve.Api;
using Interp.Serve.Catalog;
using Interp.Serve.Evals;
using Interp.Serve.Features;
using Interp.Serve.Jobs;
using Interp.Serve.Jobs.Handlers;
using Interp.Serve.Settings;
using Interp.Serve.Tools;
using Interp.Serve.Ui;
using Interp.Agent.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Interp.Serve;

public static class ServeServiceCollectionExtensions
{
    /// <summary>Registers the server. <paramref name="env"/> reads environment variables (secrets: API keys, the
    /// PostgreSQL connection string).</summary>
    public static IServiceCollection AddInterpServe(this IServiceCollection services, ServeSettings settings, Func<string, string?> env,
        (string Text, string Version) chatPrompt)
    {
        services.AddSingleton(settings);
        services.AddSingleton(settings.Worker);
        services.AddSingleton(settings.Auth);
        services.AddSingleton(settings.Schedules);
        services.AddSingleton(new ApiKeyRing(settings.Auth, env));
        services.AddSingleton(new FeaturePageCache(settings.Pages.CacheEntries, settings.Pages.CacheMb * (1L << 20)));   // rendered pages, by data version
        services.AddSingleton<SaeCatalog>();
        services.AddSingleton<FeatureService>();
        var changes = new FeatureChanges();                              // what jobs changed (caches, labels): tools and page caches follow it
        services.AddSingleton(changes);

        var dialect = Dialect(settings.Worker, env);
        services.AddSingleton(dialect);
        services.AddSingleton(sp => new JobStore(sp.GetRequiredService<SqlDialect>()));
        services.AddSingleton(sp => new EvalStore(sp.GetRequiredService<SqlDialect>()));
        services.AddSingleton<JobSignal>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobHandlers>();
        services.AddSingleton<IJobHandler, CacheBuildJob>();
        services.AddSingleton<IJobHandler, IndexJob>();
        services.AddSingleton<LabelRuns>();
        services.AddSingleton<IJobHandler, LabelJob>();
        services.AddSingleton<IJobHandler, RescoreJob>();
        services.AddSingleton<EvalSuiteJob>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<EvalSuiteJob>());
        services.AddSingleton<JobWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.Worker.ShutdownS));

        if (settings.Schedules.Enabled) AddSchedules(services, settings, dialect, env);

        var tools = ToolHost.Load(settings, chatPrompt);                 // the model session the tools, chat and MCP share
        var mcp = services.AddMcpServer(o => o.ServerInfo = new ModelContextProtocol.Protocol.Implementation { Name = "interp", Version = "1" })
            .WithHttpTransport(o => o.Stateless = true);
        if (tools is not null)
        {
            services.AddSingleton(tools);
            changes.Changed += tools.OnFeatureChange;
            mcp.WithInterpTools(tools.Session);
        }

        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = ServeJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.DictionaryKeyPolicy = null;
        });
        return services;
    }

    /// <summary>The queue's database (and the eval store's): SQLite file or PostgreSQL from the environment.</summary>
    public static SqlDialect Dialect(WorkerOptions w, Func<string, string?> env)
    {
        if (w.Store == WorkerOptions.Postgres)
        {
            string conn = env(w.PostgresEnv) is { Length: > 0 } c ? c
                : throw new ConfigException($"Worker.store is postgres but the environment variable {w.PostgresEnv} is not set", "environment", w.PostgresEnv,
                    $"export {w.PostgresEnv}='Host=...;Username=...;Password=...;Database=...'");
            return new PostgresDialect(conn);
        }
        string path = w.SqlitePath.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), w.SqlitePath[2..]) : w.SqlitePath;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new SqliteDialect(path);
    }

    private static void AddSchedules(IServiceCollection services, ServeSettings settings, SqlDialect dialect, Func<string, string?> env)
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => { o.InstanceName = "interp-evals"; o.GenerateInstanceId = true; });
            if (dialect is PostgresDialect)
                q.UsePersistentStore(s =>
                {
                    s.UsePostgres(env(settings.Worker.PostgresEnv)!);
                    s.ProvisionSchema();
                    s.UseClustering(c => { c.CheckinInterval = TimeSpan.FromSeconds(5); c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15); });
                });
            else if (settings.Schedules.QuartzSqlitePath is { } qp)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(qp))!);
                q.UsePersistentStore(s =>
                {
                    s.UseSqlite($"Data Source={Path.GetFullPath(qp)}");
                    s.ProvisionSchema();
                });
            }
            foreach (var suite in settings.Schedules.Suites.Where(s => s.Cron is not null))
                q.ScheduleJob<ScheduledEvalJob>(
                    // a missed firing (server down, or another node re-registering the trigger at its start) is skipped, not fired late
                    t => t.WithIdentity($"eval-{suite.Name}").WithCronSchedule(suite.Cron!, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing)),
                    j => j.WithIdentity($"eval-{suite.Name}").UsingJobData(ScheduledEvalJob.SuiteKey, suite.Name));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
    }

    /// <summary>The middleware and endpoints, in order: errors as problem+json, routing, keys and rate limits, then the API,
    /// OpenAPI, the UI and MCP.</summary>
    public static WebApplication UseInterpServe(this WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Interp.Serve");
        app.Use(async (ctx, next) =>
        {
            try { await next(ctx); }
            catch (Exception e) when (!ctx.Response.HasStarted && !(e is OperationCanceledException && ctx.RequestAborted.IsCancellationRequested))
            {
                await Problems.HandleAsync(ctx, e, log);      // expected errors: 4xx without a trace; bugs: 500, logged with it
            }
        });
        app.UseMiddleware<RequestGuard>();
        app.UseStatusCodePages(ctx => ctx.HttpContext.Response.ContentLength is null && !ctx.HttpContext.Response.HasStarted
            ? Problems.WriteAsync(ctx.HttpContext, ctx.HttpContext.Response.StatusCode, ctx.HttpContext.Response.StatusCode switch
            {
                404 => "not found", 405 => "method not allowed", 413 => "request body too large", 415 => "unsupported media type", _ => "error",
            }, ctx.HttpContext.Response.StatusCode == 404 ? $"no route {Cut(ctx.HttpContext.Request.Path.Value)}" : null)
            : Task.CompletedTask);
        app.UseRouting();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapOpenApi("/openapi/v1.json").WithMetadata(new RequireScope(null));
        app.MapInterpApi();
        app.MapInterpUi();
        app.MapInterpTools();
        app.MapMcp("/mcp").WithMetadata(new RequireScope(ApiScope.Read), new KeyRequired());
        return app;
    }

    private static string Cut(string? s) => s is null ? "" : s.Length <= 80 ? s : s[..80] + "…";
}

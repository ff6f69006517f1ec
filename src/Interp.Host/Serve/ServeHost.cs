// The hosted worker's composition root, read as a table of contents: configuration (appsettings.json + environment),
// every section bound and validated (ServeSettings), one AddX() per assembly, then the middleware and endpoints.
using Interp.Agent.Llm;
using Interp.Index;
using Interp.Serve;
using Interp.Serve.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Interp.Host.Serve;

public static class ServeHost
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static WebApplication Build(string configPath, string urls, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory(), Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false).AddEnvironmentVariables();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Quartz", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        var settings = ServeSettings.From(builder.Configuration);         // Models, Saes, Llm, Index, Worker, Schedules, Auth
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.Auth.MaxBodyBytes);

        builder.Services.AddInterpLlm(settings.Llm);                       // Interp.Agent: LLM roles, kernels, embeddings
        builder.Services.AddInterpIndex(settings.Index);                   // Interp.Index: the feature index
        builder.Services.AddInterpServe(settings, Environment.GetEnvironmentVariable,   // Interp.Serve: queue, worker, API, UI, tools, MCP, evals
            Commands.ChatCommand.LoadPrompt(null));

        var app = builder.Build();
        app.UseInterpServe();
        return app;
    }
}

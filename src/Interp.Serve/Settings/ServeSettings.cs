// Every appsettings.json section the server uses, bound once at start and validated together (a bad value stops start-up
// with the key named): Models, Saes, Llm, Index, Worker, Schedules, Auth, and the optional Pages. One convention: PascalCase section names,
// snake_case keys, unknown keys rejected with the nearest known one; environment variables override any key
// (`Worker__concurrency=4`, `Llm__endpoints__local__base_url=...`); secrets come only from the environment.
using Interp.Agent.Llm.Options;
using Interp.Config;
using Interp.Index;
using Microsoft.Extensions.Configuration;

namespace Interp.Serve.Settings;

public sealed record ServeSettings(
    IReadOnlyDictionary<string, ModelEntry> Models,
    IReadOnlyDictionary<string, SaeEntry> Saes,
    LlmOptions Llm,
    IndexOptions Index,
    WorkerOptions Worker,
    SchedulesOptions Schedules,
    AuthOptions Auth)
{
    /// <summary>The optional Pages section: the rendered feature-page cache.</summary>
    public PagesOptions Pages { get; init; } = new();

    public static ServeSettings From(IConfiguration config)
    {
        var models = SettingsReader.Section<Dictionary<string, ModelEntry>>(config, "Models") ?? new();
        var saes = SettingsReader.Section<Dictionary<string, SaeEntry>>(config, "Saes") ?? new();
        foreach (var (name, m) in models)
            if (string.IsNullOrWhiteSpace(m.Path)) throw WorkerOptions.Bad($"Models.{name}.path", "is empty", "give the checkpoint folder");
        foreach (var (name, s) in saes)
        {
            if (string.IsNullOrWhiteSpace(s.Path)) throw WorkerOptions.Bad($"Saes.{name}.path", "is empty", "give the SAE folder");
            if (!models.ContainsKey(s.Model))
                throw WorkerOptions.Bad($"Saes.{name}.model", $"'{s.Model}' is not a key of Models", models.Count == 0 ? "add the model under Models" : $"use one of {string.Join(", ", models.Keys)}");
        }
        var llm = config.GetSection(LlmOptionsLoader.Section).Exists() ? LlmOptionsLoader.FromConfiguration(config) : new LlmOptions();
        var index = SettingsReader.Section<IndexOptions>(config, "Index") ?? new IndexOptions();
        index.Validate();
        var worker = SettingsReader.Section<WorkerOptions>(config, "Worker") ?? new WorkerOptions();
        worker.Validate("Worker");
        var schedules = SettingsReader.Section<SchedulesOptions>(config, "Schedules") ?? new SchedulesOptions();
        schedules.Validate("Schedules", saes);
        var auth = SettingsReader.Section<AuthOptions>(config, "Auth") ?? new AuthOptions();
        auth.Validate("Auth");
        var pages = SettingsReader.Section<PagesOptions>(config, "Pages") ?? new PagesOptions();
        pages.Validate("Pages");
        return new ServeSettings(models, saes, llm, index, worker, schedules, auth) { Pages = pages };
    }
}

/// <summary>Reads one section of an IConfiguration (JSON files and environment variables merged; values arrive as strings)
/// through ConfigJson, so the checks and messages are those of every other config file.</summary>
public static class SettingsReader
{
    public static T? Section<T>(IConfiguration config, string name) where T : class
    {
        var s = config.GetSection(name);
        if (!s.Exists()) return null;
        return ConfigJson.FromNode<T>(ConfigurationJson.ToNode(s, typeof(T)), $"appsettings {name}");
    }
}

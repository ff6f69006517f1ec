// The `Schedules` section: the Quartz store and the eval suites that run on a cron (and on demand via `interp evals run`
// or POST /api/evals/{suite}/run). A suite names its kind, what it samples and scores, and the LLM roles it uses.
using System.Text.RegularExpressions;

namespace Interp.Serve.Settings;

public sealed partial record SchedulesOptions
{
    /// <summary>Run the Quartz scheduler in this process (several processes on PostgreSQL run it clustered).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>The eval-run store (SQLite; the runs, their configuration, model and prompt versions, scores).</summary>
    public string RunsPath { get; init; } = "data/serve/evals.db";
    /// <summary>Quartz's persistent store; null = the in-memory store. SQLite cannot be clustered; PostgreSQL uses Worker.postgres_env.</summary>
    public string? QuartzSqlitePath { get; init; } = "data/serve/quartz.db";
    public List<EvalSuiteOptions> Suites { get; init; } = [];

    public void Validate(string at, IReadOnlyDictionary<string, SaeEntry> saes)
    {
        var names = new HashSet<string>();
        for (int i = 0; i < Suites.Count; i++)
        {
            var s = Suites[i];
            string a = $"{at}.suites[{i}]";
            if (!SuiteName().IsMatch(s.Name) || !names.Add(s.Name)) throw WorkerOptions.Bad($"{a}.name", $"is '{s.Name}'", "use a unique name of letters, digits, '-' or '_'");
            if (s.Kind is not (EvalSuiteOptions.GroundTruth or EvalSuiteOptions.Labels))
                throw WorkerOptions.Bad($"{a}.kind", $"is '{s.Kind}'", $"use \"{EvalSuiteOptions.GroundTruth}\" or \"{EvalSuiteOptions.Labels}\"");
            if (s.Cron is not null && !ValidCron(s.Cron))
                throw WorkerOptions.Bad($"{a}.cron", $"'{s.Cron}' is not a Quartz cron expression", "write seconds minutes hours day-of-month month day-of-week, e.g. \"0 0 3 * * ?\"");
            if (!saes.ContainsKey(s.Sae)) throw WorkerOptions.Bad($"{a}.sae", $"'{s.Sae}' is not a key of Saes", saes.Count == 0 ? "add the SAE under Saes" : $"use one of {string.Join(", ", saes.Keys)}");
            if (s.Features is < 1 or > 100_000) throw WorkerOptions.Bad($"{a}.features", $"is {s.Features}", "use 1..100000");
            if (s.Resamples is < 100 or > 100_000) throw WorkerOptions.Bad($"{a}.resamples", $"is {s.Resamples}", "use 100..100000");
            if (s.Explainer is not ("offline" or "llm")) throw WorkerOptions.Bad($"{a}.explainer", $"is '{s.Explainer}'", "use \"offline\" (default) or \"llm\" (the Llm section's roles)");
            foreach (var sc in s.Scorers)
                if (!Interp.Agent.Scoring.ScoreMethods.All.Contains(sc))
                    throw WorkerOptions.Bad($"{a}.scorers", $"holds '{sc}'", $"use {string.Join(", ", Interp.Agent.Scoring.ScoreMethods.All)}");
        }
    }

    private static bool ValidCron(string cron)
    {
        try { _ = new Quartz.CronExpression(cron); return true; }
        catch (FormatException) { return false; }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SuiteName();
}

public sealed record EvalSuiteOptions
{
    public const string GroundTruth = "ground_truth", Labels = "labels";

    public string Name { get; init; } = "";
    /// <summary>ground_truth: the toy world's concept labels (SAE features vs known concepts) and the toy model's IOI and
    /// induction accuracy; labels: a fixed sample of an SAE's features labeled and scored (LabelsSuite).</summary>
    public string Kind { get; init; } = GroundTruth;
    /// <summary>Quartz cron (seconds first); null = on demand only.</summary>
    public string? Cron { get; init; }
    /// <summary>A key of Saes.</summary>
    public string Sae { get; init; } = "";
    /// <summary>Size of the feature sample (fixed by Seed, so runs compare like with like).</summary>
    public int Features { get; init; } = 64;
    public int Seed { get; init; } = 1;
    /// <summary>Explainer of a labels suite: "offline" (deterministic) or "llm" (the Llm section's explainer, simulator and judge roles).</summary>
    public string Explainer { get; init; } = "offline";
    /// <summary>Scorers of a labels suite (issue 11's methods; empty = simulation and embedding).</summary>
    public List<string> Scorers { get; init; } = [];
    /// <summary>Bootstrap resamples for the confidence intervals.</summary>
    public int Resamples { get; init; } = 1000;
    /// <summary>The toy world folder (ground_truth).</summary>
    public string World { get; init; } = "evals/worlds/toy-v1";
}

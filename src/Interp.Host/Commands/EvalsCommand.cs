// `interp evals run|history|drift --suite NAME [--config F] [--json]`: run a configured eval suite now (through the job
// queue, in this process: the run is stored like a scheduled one), list its runs, or print its drift report (change
// against the previous and the first run, 95 % intervals, flagged when the interval excludes 0). Same stores as
// `interp serve` (Worker.store: SQLite file or PostgreSQL).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Interp.Agent.Llm;
using Interp.Errors;
using Interp.Serve;
using Interp.Serve.Catalog;
using Interp.Serve.Evals;
using Interp.Serve.Jobs;
using Interp.Serve.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interp.Host.Commands;

public static class EvalsCommand
{
    public static Command Create()
    {
        var cmd = new Command("evals", "Eval suites (Schedules.suites in appsettings.json): run one now, list its runs, show its drift.");
        cmd.Subcommands.Add(Sub("run", "Run the suite now and store the run.", Run));
        cmd.Subcommands.Add(Sub("history", "List the suite's stored runs and their metrics.", History));
        cmd.Subcommands.Add(Sub("drift", "The suite's drift report: latest run vs previous and first, with 95 % intervals.", Drift));
        return cmd;
    }

    private sealed record Ctx(ServeSettings Settings, SqlDialect Db, EvalStore Store, EvalSuiteJob Handler, string Suite, bool Json);

    private static Command Sub(string name, string description, Func<Ctx, Task<int>> body)
    {
        var suite = new Option<string>("--suite") { Description = "Suite name (Schedules.suites[].name).", Required = true };
        var config = new Option<string?>("--config") { Description = "appsettings.json (default: ./appsettings.json, else the one beside the executable)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var cmd = new Command(name, description) { suite, config, json };
        cmd.SetAction(async (p, ct) =>
        {
            string path = LlmCommand.ResolveConfig(p.GetValue(config));
            if (!File.Exists(path)) throw new CliException($"configuration file '{path}' not found", "pass --config FILE");
            var cfg = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path)).AddEnvironmentVariables().Build();
            var settings = ServeSettings.From(cfg);
            var db = ServeServiceCollectionExtensions.Dialect(settings.Worker, Environment.GetEnvironmentVariable);
            var store = new EvalStore(db);
            var handler = new EvalSuiteJob(settings, new SaeCatalog(settings), store);
            string name = handler.Suite(p.GetValue(suite)!).Name;
            return await body(new Ctx(settings, db, store, handler, name, p.GetValue(json)));
        });
        return cmd;
    }

    private static async Task<int> Run(Ctx c)
    {
        var jobs = new JobStore(c.Db);
        var handlers = new JobHandlers([c.Handler]);
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(new { suite = c.Suite }));
        var job = new JobQueue(jobs, handlers, new JobSignal()).Submit(EvalSuiteJob.JobKind, args.RootElement, "cli");
        var worker = new JobWorker(jobs, handlers, new JobSignal(), c.Settings.Worker, new ServiceCollection().AddInterpLlm(c.Settings.Llm).BuildServiceProvider(), NullLogger<JobWorker>.Instance);
        Console.Error.WriteLine($"evals: running suite {c.Suite} as job {job.Id}");
        if (!await worker.RunNowAsync(job.Id, CancellationToken.None))
            throw new InterpException($"job {job.Id} was taken by a running server before this process could run it", null, $"see `interp evals history --suite {c.Suite}`");
        var done = jobs.Get(job.Id)!;
        if (done.State != JobStates.Succeeded) throw new InterpException($"the eval run failed: {done.Error}", $"job {job.Id}", "fix the cause and run again");
        return await Drift(c);
    }

    private static Task<int> History(Ctx c)
    {
        var runs = c.Store.History(c.Suite);
        if (c.Json) Console.WriteLine(JsonSerializer.Serialize(runs, ServeJson.Options));
        else
        {
            if (runs.Count == 0) Console.WriteLine($"{c.Suite}: no runs yet (interp evals run --suite {c.Suite})");
            foreach (var r in runs)
                Console.WriteLine($"run {r.Id}  {r.Started:yyyy-MM-dd HH:mm:ss}Z  {r.State,-9}  " +
                    string.Join("  ", r.Metrics.Select(m => $"{m.Name} {F(m.Value)} [{F(m.CiLow)}, {F(m.CiHigh)}]")) + (r.Error is null ? "" : $"  error: {r.Error}"));
        }
        return Task.FromResult(0);
    }

    private static Task<int> Drift(Ctx c)
    {
        var rep = DriftReport.Build(c.Suite, c.Store.History(c.Suite));
        if (c.Json) { Console.WriteLine(JsonSerializer.Serialize(rep, ServeJson.Options)); return Task.FromResult(0); }
        if (rep.Latest is null) { Console.WriteLine($"{c.Suite}: no successful run yet"); return Task.FromResult(0); }
        Console.WriteLine($"{c.Suite}: {rep.Runs} run(s); latest run {rep.Latest.Id}");
        var prev = rep.Previous.ToDictionary(l => l.Metric);
        var first = rep.First.ToDictionary(l => l.Metric);
        Console.WriteLine($"{"metric",-26} {"latest [95% CI]",-26} {"vs previous",-30} {"vs first",-30}");
        foreach (var m in rep.Latest.Metrics)
            Console.WriteLine($"{m.Name,-26} {$"{F(m.Value)} [{F(m.CiLow)}, {F(m.CiHigh)}]",-26} {D(prev.GetValueOrDefault(m.Name)),-30} {D(first.GetValueOrDefault(m.Name)),-30}");
        return Task.FromResult(0);
    }

    private static string F(double d) => d.ToString("F3", CultureInfo.InvariantCulture);
    private static string D(DriftLine? l) => l is null ? "-" : $"{(l.Delta >= 0 ? "+" : "")}{F(l.Delta)} [{F(l.DeltaLow)}, {F(l.DeltaHigh)}]{(l.Flagged ? " FLAG" : "")}";
}

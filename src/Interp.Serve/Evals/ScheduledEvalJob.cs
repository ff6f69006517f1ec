// The Quartz job a suite's cron fires: it only queues an `eval` job, so the run goes through the job queue (progress,
// logs, resume, one worker). With PostgreSQL, Quartz runs clustered and a firing happens on exactly one node.
using System.Text.Json;
using Interp.Serve.Jobs;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Interp.Serve.Evals;

[DisallowConcurrentExecution]
public sealed class ScheduledEvalJob(JobQueue queue, ILogger<ScheduledEvalJob> log) : IJob
{
    public const string SuiteKey = "suite";

    public ValueTask Execute(IJobExecutionContext context, CancellationToken ct = default)
    {
        string suite = context.MergedJobDataMap.GetString(SuiteKey)!;
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(new { suite }));
        var job = queue.Submit(EvalSuiteJob.JobKind, args.RootElement, $"schedule:{context.Trigger.Key.Name}");
        log.LogInformation("scheduled eval suite {Suite} queued as job {JobId}", suite, job.Id);
        return ValueTask.CompletedTask;
    }
}

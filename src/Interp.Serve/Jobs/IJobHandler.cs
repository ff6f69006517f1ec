// A kind of job: what its arguments are and how to run it. A handler reports progress and logs through JobContext and
// wraps each unit of work that must not be repeated (an LLM call, a batch written) in ctx.StepAsync, so a job started
// again after a shutdown, a crash or a take-over does only what is missing. It stops when ctx.Token is cancelled.
using System.Text.Json;

namespace Interp.Serve.Jobs;

public interface IJobHandler
{
    /// <summary>The job kind, e.g. "cache_build" (snake_case).</summary>
    string Kind { get; }

    /// <summary>One line for the API and UI: what the job does and its arguments.</summary>
    string Description { get; }

    /// <summary>Checks the arguments before the job is queued; throws an IUserError (400 at the API) when they are wrong.</summary>
    void Validate(JsonElement args);

    /// <summary>Runs (or resumes) the job; returns its result as JSON (or null).</summary>
    Task<string?> RunAsync(JobContext ctx);
}

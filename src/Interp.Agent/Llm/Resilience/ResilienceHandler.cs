// Runs every HTTP request to one endpoint through its Polly pipeline (shared by all roles on that endpoint).
// Each attempt reads a non-streaming body completely inside the attempt, so a stalled body times out and is retried.
// A call the open circuit refused fails with the circuit's state in its reason (CircuitHealth.Describe).
using Interp.Agent.Llm.Accounting;
using Polly;
using Polly.CircuitBreaker;

namespace Interp.Agent.Llm.Resilience;

internal sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline, CircuitHealth health) : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<AttemptTrace> TraceOption = new("interp.llm.trace");

    /// <summary>The endpoint's call slots: attempts and the time they held a slot (SlotMeter).</summary>
    public SlotMeter Slots { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var trace = new AttemptTrace { WaitOutOpenCircuit = LlmCallScope.Current?.Context.WaitOutOpenCircuit ?? false };
        request.Options.Set(TraceOption, trace);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(EndpointPipeline.TraceKey, trace);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    Interlocked.Increment(ref state.trace.Attempts);
                    HttpResponseMessage? response = null;
                    long slot = state.self.Slots.Enter();
                    try
                    {
                        response = await state.self.SendOnce(state.request, ctx.CancellationToken).ConfigureAwait(false);
                        if (!IsEventStream(response))
                            await response.Content.LoadIntoBufferAsync(ctx.CancellationToken).ConfigureAwait(false);
                        return Outcome.FromResult(response);
                    }
                    catch (Exception e)
                    {
                        response?.Dispose();
                        return Outcome.FromException<HttpResponseMessage>(e);
                    }
                    finally { state.self.Slots.Exit(slot); }
                },
                context, (self: this, request, trace)).ConfigureAwait(false);
            if (outcome.Exception is BrokenCircuitException bce)
                throw new BrokenCircuitException(health.Describe(trace.WaitOutOpenCircuit), bce);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally { ResilienceContextPool.Shared.Return(context); }
    }

    public CircuitHealth Health => health;

    private Task<HttpResponseMessage> SendOnce(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);

    internal static bool IsEventStream(HttpResponseMessage r) =>
        r.Content.Headers.ContentType?.MediaType == "text/event-stream";
}

// Maps whatever a call threw (SK's HttpOperationException, the SDK's ClientResultException, Polly's timeout and
// circuit exceptions, our budget and stream exceptions) to an LlmFailure. The role handler's record of the exchange
// is preferred, as it saw the real status and body; an exception we cannot explain is a bug and is rethrown.
using System.ClientModel;
using Interp.Agent.Llm.Accounting;
using Microsoft.SemanticKernel;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Interp.Agent.Llm.Outcomes;

internal static class Failures
{
    public static bool TryMap(Exception e, LlmCallScope scope, CancellationToken ct, out LlmFailure failure)
    {
        failure = Map(e, scope, ct)!;
        return failure is not null;
    }

    private static LlmFailure? Map(Exception e, LlmCallScope scope, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return new LlmFailure(LlmFailureKind.Cancelled, "cancelled by the caller");
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case LlmBudgetExceededException b: return new LlmFailure(LlmFailureKind.OverBudget, b.Message);
                case BrokenCircuitException c: return new LlmFailure(LlmFailureKind.CircuitOpen, c.Message);
                case TimeoutRejectedException t: return new LlmFailure(LlmFailureKind.Timeout, $"every attempt timed out ({t.Message})");
                case LlmMalformedResponseException m: return new LlmFailure(LlmFailureKind.MalformedResponse, m.Message, Body: m.Body);
                case LlmStreamTruncatedException s: return new LlmFailure(LlmFailureKind.Network, s.Message);
            }
        }
        if (scope.Last is { Failure: { } recorded }) return recorded;
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case HttpOperationException h when h.StatusCode is { } s:
                    return Wire.OpenAiWire.ClassifyHttpError((int)s, h.ResponseContent ?? "");
                case ClientResultException c when c.Status != 0:
                    return Wire.OpenAiWire.ClassifyHttpError(c.Status, c.GetRawResponse()?.Content?.ToString() ?? "");
                case HttpRequestException or IOException:
                    return new LlmFailure(LlmFailureKind.Network, $"{x.GetType().Name}: {x.Message}");
            }
        }
        // A 2xx exchange that the SDK could not read (e.g. a missing field) is a malformed response, not a crash.
        if (scope.Last is { Status: >= 200 and < 300 } ok && e is not OperationCanceledException)
            return new LlmFailure(LlmFailureKind.MalformedResponse, $"{e.GetType().Name}: {e.Message}", ok.Status, ok.Body);
        if (e is OperationCanceledException) return new LlmFailure(LlmFailureKind.Timeout, $"the request was cancelled by a timeout ({e.Message})");
        return null;
    }
}

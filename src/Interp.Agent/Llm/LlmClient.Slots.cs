// How busy the call slots of the endpoints this client has used were (SlotMeter): for benchmarks and diagnostics.
using Interp.Agent.Llm.Resilience;

namespace Interp.Agent.Llm;

public sealed partial class LlmClient
{
    /// <summary>Attempts, attempts on the wire now and slot-seconds held, per endpoint used so far (by name).</summary>
    public IReadOnlyList<SlotUse> SlotUse() =>
        _endpoints.Where(kv => kv.Value.IsValueCreated).Select(kv => kv.Value.Value.Handler.Slots.Read(kv.Key))
                  .OrderBy(u => u.Endpoint, StringComparer.Ordinal).ToList();
}

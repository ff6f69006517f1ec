// A run's budget in tokens and/or money. A call starts only if spent + in-flight reservations + its own estimate stay
// within the limit; otherwise it fails as over budget without being sent, and IsExhausted tells callers to stop.
// A budget opened for a run id starts from what that run already spent (UsageLedger), so a re-run continues.
namespace Interp.Agent.Llm.Accounting;

public sealed class LlmBudget
{
    private readonly object _gate = new();
    private long _spentTokens, _reservedTokens;
    private double _spentCost, _reservedCost;

    public LlmBudget(long? maxTokens = null, double? maxCost = null, long spentTokens = 0, double spentCost = 0)
    {
        if (maxTokens is < 0) throw new ArgumentException($"budget: max tokens must be >= 0, got {maxTokens}; give a positive limit");
        if (maxCost is { } c && (!double.IsFinite(c) || c < 0)) throw new ArgumentException($"budget: max cost must be a finite amount >= 0, got {c}; give a positive limit");
        MaxTokens = maxTokens; MaxCost = maxCost; _spentTokens = spentTokens; _spentCost = spentCost;
    }

    /// <summary>A budget for <paramref name="runId"/> that starts from what the ledger says the run already spent.</summary>
    public static LlmBudget ForRun(string runId, UsageLedger ledger, long? maxTokens = null, double? maxCost = null)
    {
        var spent = ledger.Summarize(runId).Billed;
        return new LlmBudget(maxTokens, maxCost, spent.TotalTokens, spent.Cost ?? 0);
    }

    public long? MaxTokens { get; }
    public double? MaxCost { get; }
    public long SpentTokens { get { lock (_gate) return _spentTokens; } }
    public double SpentCost { get { lock (_gate) return _spentCost; } }

    /// <summary>True once a call was refused: the remaining work should stop in the `over budget` state.</summary>
    public bool IsExhausted { get; private set; }

    internal sealed record Reservation(long Tokens, double Cost);

    /// <summary>Reserves an estimate, or returns null (and marks the budget exhausted) when it would not fit.</summary>
    internal Reservation? TryReserve(long tokens, double? cost, out string? reason)
    {
        lock (_gate)
        {
            reason = null;
            if (MaxTokens is { } mt && _spentTokens + _reservedTokens + tokens > mt)
                reason = $"token budget {mt}: spent {_spentTokens}, in flight {_reservedTokens}, this call needs up to {tokens}";
            else if (MaxCost is { } mc && _spentCost + _reservedCost + (cost ?? 0) > mc)
                reason = $"cost budget {mc:G6}: spent {_spentCost:G6}, in flight {_reservedCost:G6}, this call needs up to {cost ?? 0:G6}";
            if (reason is not null) { IsExhausted = true; return null; }
            _reservedTokens += tokens; _reservedCost += cost ?? 0;
            return new Reservation(tokens, cost ?? 0);
        }
    }

    /// <summary>Replaces a reservation by what the call actually used (which may exceed the estimate; it is charged in full).</summary>
    internal void Commit(Reservation r, long tokens, double? cost)
    {
        lock (_gate)
        {
            _reservedTokens -= r.Tokens; _reservedCost -= r.Cost;
            _spentTokens += tokens; _spentCost += cost ?? 0;
        }
    }

    internal void Release(Reservation r) => Commit(r, 0, 0);

    public override string ToString() =>
        $"spent {SpentTokens} tokens{(MaxTokens is { } t ? $" of {t}" : "")}, {SpentCost:G6}{(MaxCost is { } c ? $" of {c:G6}" : "")}";
}

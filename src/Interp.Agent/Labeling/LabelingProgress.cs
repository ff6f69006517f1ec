// Where a labeling run stands, reported after every feature: how many are settled (this session and before), how many
// ended with a failure, the rate, the ETA, and what the LLM calls cost so far. Plain data; the CLI draws it.
namespace Interp.Agent.Labeling;

/// <param name="Total">features in the run</param>
/// <param name="Done">features settled (record written), including <paramref name="DoneBefore"/></param>
/// <param name="DoneBefore">features already settled when this session started (a resume)</param>
/// <param name="Failed">settled features with at least one failed stage</param>
/// <param name="CostUsd">LLM cost of the whole run so far (all sessions)</param>
public sealed record LabelingProgress(int Total, int Done, int DoneBefore, int Failed, TimeSpan Elapsed, double CostUsd, int Calls)
{
    /// <summary>Features per minute settled in this session.</summary>
    public double PerMinute => Elapsed.TotalSeconds <= 0 ? 0 : (Done - DoneBefore) / Elapsed.TotalMinutes;

    public TimeSpan? Eta => PerMinute <= 0 ? null : TimeSpan.FromMinutes((Total - Done) / PerMinute);

    public string Line()
    {
        double pct = Total == 0 ? 100 : 100.0 * Done / Total;
        var eta = Eta is TimeSpan t ? (t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s") : "--";
        int width = 24, filled = (int)Math.Round(width * pct / 100);
        return $"label [{new string('#', filled)}{new string('.', width - filled)}] {Done}/{Total} ({pct:F1}%) · {PerMinute:F1} features/min · " +
               $"ETA {eta} · cost ${CostUsd:F4} ({Calls} calls) · failed {Failed}";
    }
}

// Progress for a training run: one plain-text line per log interval (step, loss, lr, tokens/s, elapsed, ETA)
// and per evaluation, written to a TextWriter (stderr in the CLI, so it reads well in CI logs), plus the same
// numbers as JSON lines in metrics.jsonl. Not the timing itself (the trainer measures).
using System.Globalization;
using System.Text.Json.Nodes;

namespace Interp.Models.Training;

public sealed class TrainProgress(TextWriter? log, string? metricsPath, int totalSteps)
{
    private readonly int _width = totalSteps.ToString(CultureInfo.InvariantCulture).Length;

    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m{t.Seconds:D2}s" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:D2}s" : $"{t.Seconds}s";
    }

    private string StepText(int step) => $"step {step.ToString(CultureInfo.InvariantCulture).PadLeft(_width)}/{totalSteps}";

    public void Line(string text) => log?.WriteLine(text);

    public void Train(int step, double loss, double lr, double gradNorm, double tokensPerSecond, double elapsed, double eta)
    {
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{StepText(step)}  loss {loss:F4}  lr {lr:0.00e+00}  gnorm {gradNorm:F3}  {tokensPerSecond:F0} tok/s  elapsed {Duration(elapsed)}  eta {Duration(eta)}"));
        Append(new JsonObject
        {
            ["step"] = step, ["train_loss"] = Round(loss), ["lr"] = Round(lr), ["grad_norm"] = Round(gradNorm),
            ["tokens_per_s"] = Round(tokensPerSecond), ["elapsed_s"] = Round(elapsed),
        });
    }

    public void Eval(int step, double heldoutLoss, double seconds)
    {
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{StepText(step)}  heldout loss {heldoutLoss:F4}  (ppl {Math.Exp(heldoutLoss):F1}, eval {seconds:F1}s)"));
        Append(new JsonObject { ["step"] = step, ["heldout_loss"] = Round(heldoutLoss) });
    }

    private static JsonNode? Round(double x) => double.IsFinite(x) ? Math.Round(x, 6) : null; // JSON has no NaN

    private void Append(JsonObject o)
    {
        if (metricsPath is not null) File.AppendAllText(metricsPath, o.ToJsonString() + "\n");
    }
}

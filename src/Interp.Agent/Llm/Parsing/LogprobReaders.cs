// Numbers read from logprobs: P(yes) of a judge as P(1)/(P(0)+P(1)), and the expected value of a digit answer
// (0..10) over the alternatives a position offers. A position offering none of the tokens is a failure, not 0.5 or 0.
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Llm.Parsing;

public static class LogprobReaders
{
    /// <summary>P(positive)/(P(negative)+P(positive)) from one position's alternatives; tokens compare after trimming spaces.</summary>
    public static ParseResult<double> BinaryProbability(IReadOnlyList<TopLogprob> top, string positive = "1", string negative = "0")
    {
        double p1 = Mass(top, positive), p0 = Mass(top, negative);
        if (p1 + p0 <= 0)
            return ParseResult<double>.Fail($"neither '{positive}' nor '{negative}' is among the {top.Count} alternatives " +
                                            $"({string.Join(", ", top.Take(5).Select(t => $"'{t.Token}'"))})");
        return ParseResult<double>.Success(p1 / (p0 + p1));
    }

    /// <summary>Σ v·p(v) / Σ p(v) over the integer tokens v in [min, max] among the alternatives.</summary>
    public static ParseResult<double> ExpectedValue(IEnumerable<KeyValuePair<string, double>> alternatives, int min = 0, int max = 10)
    {
        double num = 0, den = 0;
        foreach (var (token, logprob) in alternatives) Add(token, logprob, min, max, ref num, ref den);
        return Expected(num, den, min, max);
    }

    public static ParseResult<double> ExpectedValue(IReadOnlyList<TopLogprob> top, int min = 0, int max = 10)
    {
        double num = 0, den = 0;
        if (top is TopLogprobList list)   // the chat reader's lists: no TopLogprob object per alternative
            foreach (var (token, logprob) in list.Pairs) Add(token, logprob, min, max, ref num, ref den);
        else
            foreach (var t in top) Add(t.Token, t.Logprob, min, max, ref num, ref den);
        return Expected(num, den, min, max);
    }

    private static void Add(string token, double logprob, int min, int max, ref double num, ref double den)
    {
        if (!int.TryParse(token.AsSpan().Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v)) return;
        if (v < min || v > max || !double.IsFinite(logprob)) return;
        double p = Math.Exp(logprob);
        num += v * p;
        den += p;
    }

    private static ParseResult<double> Expected(double num, double den, int min, int max) =>
        den <= 0 ? ParseResult<double>.Fail($"no integer token in [{min}, {max}] among the alternatives") : ParseResult<double>.Success(num / den);

    private static double Mass(IReadOnlyList<TopLogprob> top, string token) =>
        top.Where(t => t.Token.Trim() == token && double.IsFinite(t.Logprob)).Sum(t => Math.Exp(t.Logprob));
}

// A stand-in script that plays the LLM of a labeling run on the toy world, to check the LLM path's plumbing against the
// ground truth (not an LLM's quality): the explainer rule of each word category answers "<category> words" when the
// explain prompt shows at least three of the category's words with an activation of 4 or more; the simulator rule of
// each such label predicts 10 on the category's words and 0 elsewhere (a rewrite of the prompt's "unknown" lines, with
// logprobs); the judge rule of such a label answers 1 for each example that mentions one of the category's words and
// 0 for the others (a rewrite of the numbered examples into a JSON list; the chosen digit carries nearly all the mass). Whatever reaches the right answer got there through the real prompts, HTTP,
// parsers, store and record. Any other prompt gets a label that names nothing.
using System.Text.Json;
using System.Text.RegularExpressions;
using Interp.Evals.ToyWorld;

namespace Interp.Agent.Labeling.GroundTruth;

public static class ToyStandInScript
{
    public const string Unclear = "no single pattern";

    /// <param name="latencyMs">added to every answer</param>
    /// <param name="echo">offer legacy completions with echo (then the probe picks the echo simulator, whose scripted
    /// logprobs are the same at every position); off by default, so simulation runs on chat top_logprobs</param>
    /// <summary>Alternatives offered at every answered position besides the chosen token: no digit, so P(1) is the chosen one's.</summary>
    private static readonly Dictionary<string, double> NoDigits = new() { ["5"] = -3.0 };

    /// <summary>Rewrites "Explanation: …\n\nExample 1: …\nExample 2: …" into "[1, 0]": 1 where <paramref name="yes"/> matches the line.</summary>
    public static object[] JudgeRewrite(string? yes) =>
    [
        new { pattern = @"\AExplanation: .*\n\n", replacement = "" },
        .. yes is null ? Array.Empty<object>() : [new { pattern = yes, replacement = "1" }],
        new { pattern = @"^Example \d+: .*$", replacement = "0" },
        new { pattern = @"\n", replacement = ", " },
        new { pattern = @"\A", replacement = "[" },
        new { pattern = @"\z", replacement = "]" },
    ];

    /// <summary>A lean script for throughput benchmarks on any text: a handful of rules, no per-category regexes. Explains
    /// every feature as "common short words", simulates 10 on a few function words and 0 elsewhere, judges by the same words.</summary>
    public static string Lean()
    {
        const string words = "the|a|of|and|to|in";
        var rules = new object[]
        {
            new { name = "explain", when = new { path = "chat", last_user = @"^The \d+ excerpts:" }, reply = new { content = "Explanation: common short words" } },
            new
            {
                name = "simulate", when = new { path = "chat", last_user = "^Explanation of the feature: " },
                reply = new { top_logprobs = NoDigits, rewrite = new object[] { new { pattern = $@"^((?:{words}))\tunknown$", replacement = "$1\t10" }, new { pattern = @"\tunknown$", replacement = "\t0" } } },
            },
            new { name = "judge", when = new { path = "chat", last_user = "^Explanation: " }, reply = new { top_logprobs = NoDigits, rewrite = JudgeRewrite($@"^Example \d+: .*\b(?:{words})\b.*$") } },
            new { name = "rest", when = new { path = "chat" }, reply = new { content = "ok" } },
            new { name = "completions", when = new { path = "completions" }, reply = new { text = "0" } },
        };
        return JsonSerializer.Serialize(new { models = new[] { new { id = "stand-in", context_length = 32768 } }, capabilities = new { echo = "reject", max_top_logprobs = 20 }, rules });
    }

    public static string Build(double latencyMs = 0, bool echo = false)
    {
        var rules = new List<object>();
        foreach (var (name, words) in Lexicon.Categories)
        {
            string alt = string.Join("|", words.Select(Regex.Escape));
            string line = $@"(?:^|\n)(?:{alt})\t(?:[4-9]|10)\n";
            rules.Add(new
            {
                name = $"explain-{name}",
                when = new { path = "chat", last_user = $@"^The \d+ excerpts:(?:[\s\S]*?{line}){{3}}" },
                reply = new { content = $"Explanation: {name} words" },
            });
            rules.Add(new
            {
                name = $"simulate-{name}",
                when = new { path = "chat", last_user = $"^Explanation of the feature: {Regex.Escape(name)} words\n" },
                reply = new
                {
                    top_logprobs = new Dictionary<string, double> { ["5"] = -3.0 },
                    rewrite = new object[]
                    {
                        new { pattern = $@"^((?:{alt}))\tunknown$", replacement = "$1\t10" },
                        new { pattern = @"\tunknown$", replacement = "\t0" },
                    },
                },
            });
            rules.Add(new
            {
                name = $"judge-{name}",
                when = new { path = "chat", last_user = $"^Explanation: {Regex.Escape(name)} words\n" },
                reply = new { top_logprobs = NoDigits, rewrite = JudgeRewrite($@"^Example \d+: .*\b(?:{alt})\b.*$") },
            });
        }
        rules.Add(new { name = "explain-other", when = new { path = "chat", last_user = @"^The \d+ excerpts:" }, reply = new { content = $"Explanation: {Unclear}" } });
        rules.Add(new
        {
            name = "simulate-other", when = new { path = "chat", last_user = "^Explanation of the feature: " },
            reply = new { top_logprobs = new Dictionary<string, double> { ["5"] = -3.0 }, rewrite = new object[] { new { pattern = @"\tunknown$", replacement = "\t0" } } },
        });
        rules.Add(new { name = "judge-other", when = new { path = "chat", last_user = "^Explanation: " }, reply = new { top_logprobs = NoDigits, rewrite = JudgeRewrite(null) } });
        rules.Add(new { name = "completions", when = new { path = "completions" }, reply = new { text = "0", top_logprobs = new Dictionary<string, double> { ["0"] = -0.2, ["10"] = -2.0 } } });
        rules.Add(new { name = "rest", when = new { path = "chat" }, reply = new { content = "ok" } });
        return JsonSerializer.Serialize(new
        {
            models = new[] { new { id = "stand-in", context_length = 32768 } },
            capabilities = new { echo = echo ? "yes" : "reject", max_top_logprobs = 20 },
            latency_ms = latencyMs, rules,
        },
            new JsonSerializerOptions { WriteIndented = true });
    }
}

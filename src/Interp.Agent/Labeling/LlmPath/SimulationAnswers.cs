// Reading a simulator's answer: the token lines between <start> and <end> (as the `simulator` prompt lays them out),
// each "token<TAB>number". Gives, per sequence, the number at every token and the character offset of each number in
// the answer (the chat top_logprobs simulator reads the alternatives at those offsets). Anything else — a missing
// block, a wrong count of lines, a value outside 0..10 — is an error naming what was found, never a guess.
using System.Globalization;
using System.Text.RegularExpressions;

namespace Interp.Agent.Labeling.LlmPath;

public sealed record SimulationLines(IReadOnlyList<double[]> Values, IReadOnlyList<int[]> Offsets);

public static partial class SimulationAnswers
{
    public static Llm.Parsing.ParseResult<SimulationLines> Parse(string text, IReadOnlyList<int> lengths)
    {
        var blocks = Block().Matches(text);
        if (blocks.Count != lengths.Count)
            return Llm.Parsing.ParseResult<SimulationLines>.Fail($"found {blocks.Count} <start>…<end> blocks, expected {lengths.Count}");
        var values = new List<double[]>();
        var offsets = new List<int[]>();
        for (int b = 0; b < blocks.Count; b++)
        {
            var body = blocks[b].Groups["body"];
            var lines = body.Value.Length == 0 ? [] : body.Value.Split('\n');
            if (lines.Length != lengths[b])
                return Llm.Parsing.ParseResult<SimulationLines>.Fail($"block {b + 1} has {lines.Length} lines, expected {lengths[b]}");
            var v = new double[lines.Length];
            var o = new int[lines.Length];
            int at = body.Index;
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].TrimEnd('\r');
                int tab = line.LastIndexOf('\t');
                string num = tab < 0 ? "" : line[(tab + 1)..].Trim();
                if (tab < 0 || !double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x >= 0 && x <= 10))
                    return Llm.Parsing.ParseResult<SimulationLines>.Fail($"block {b + 1} line {i + 1} is '{Snip(line)}', expected token<TAB>a number 0-10");
                v[i] = x;
                o[i] = at + tab + 1 + (line.Length - tab - 1 - line[(tab + 1)..].TrimStart().Length);
                at += lines[i].Length + 1;
            }
            values.Add(v);
            offsets.Add(o);
        }
        return Llm.Parsing.ParseResult<SimulationLines>.Success(new SimulationLines(values, offsets));
    }

    /// <summary>Index of the logprob token whose characters cover <paramref name="offset"/> of the text the tokens spell, or -1.</summary>
    public static int TokenAt(IReadOnlyList<int> starts, int totalLength, int offset)
    {
        if (offset < 0 || offset >= totalLength) return -1;
        int lo = 0, hi = starts.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (starts[mid] <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return found;
    }

    private static string Snip(string s) => s.Length > 40 ? s[..40] + "…" : s;

    [GeneratedRegex(@"<start>\n(?<body>.*?)\n?<end>", RegexOptions.Singleline)]
    private static partial Regex Block();
}

// How example windows are written into prompts. Two conventions carry over from the anchors (their formats, not their
// code): OpenAI automated-interpretability's one `token<TAB>activation` line per token, activations scaled to whole
// numbers 0-10 against the largest activation shown (min(10, floor(10·relu(a)/max))), each record between <start> and
// <end>, and "unknown" in place of the number for the simulator; and delphi's text with the tokens above a fraction of
// the example's own max wrapped in << >> (consecutive ones in one span). Pure functions; no template text here.
using System.Globalization;
using System.Text;

namespace Interp.Agent.Prompts;

public static class ActivationFormats
{
    public const string Unknown = "unknown", Open = "<<", Close = ">>";

    /// <summary>Activations as whole numbers 0..10: min(10, floor(10·relu(a)/max)); all 0 when max &lt;= 0.</summary>
    public static int[] Normalize(IReadOnlyList<float> activations, double max)
    {
        var r = new int[activations.Count];
        if (max <= 0) return r;
        for (int i = 0; i < r.Length; i++) r[i] = (int)Math.Min(10, Math.Floor(10 * Math.Max(0, activations[i]) / max));
        return r;
    }

    /// <summary>The largest activation over all windows (relu'd), the scale of <see cref="Normalize"/>.</summary>
    public static double MaxActivation(IEnumerable<IReadOnlyList<float>> windows) =>
        windows.Select(w => w.Count == 0 ? 0 : Math.Max(0, w.Max())).DefaultIfEmpty(0).Max();

    /// <summary>A token as one line of a `token<TAB>value` block: tabs and line breaks written as \t, \n, \r.</summary>
    public static string LineToken(string token) => token.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    /// <summary>Text kept on one line (an example is one line of a numbered list): line breaks written as \n and \r.</summary>
    public static string OneLine(string text) => text.Replace("\r", "\\r").Replace("\n", "\\n");

    /// <summary>Records in the OpenAI layout: "\n&lt;start&gt;\n" + lines + "\n&lt;end&gt;\n", records separated by
    /// "\n&lt;end&gt;\n&lt;start&gt;\n". <paramref name="omitZeros"/> keeps only tokens whose scaled value is above 0;
    /// <paramref name="hide"/> writes "unknown" instead of every value (the simulator's input).</summary>
    public static string TokenLines(IReadOnlyList<(IReadOnlyList<string> Tokens, IReadOnlyList<float> Activations)> records, double max,
        bool omitZeros = false, bool hide = false)
    {
        if (omitZeros && hide) throw new ArgumentException("cannot both hide activations and omit zeros.");
        var blocks = records.Select(r =>
        {
            var scaled = Normalize(r.Activations, max);
            var lines = new List<string>(r.Tokens.Count);
            for (int i = 0; i < r.Tokens.Count; i++)
            {
                if (omitZeros && scaled[i] == 0) continue;
                lines.Add($"{LineToken(r.Tokens[i])}\t{(hide ? Unknown : scaled[i].ToString(CultureInfo.InvariantCulture))}");
            }
            return string.Join('\n', lines);
        });
        return "\n<start>\n" + string.Join("\n<end>\n<start>\n", blocks) + "\n<end>\n";
    }

    /// <summary>delphi's explainer highlighting: tokens whose activation is above <paramref name="fraction"/> × the window's
    /// own max are wrapped in &lt;&lt; &gt;&gt;, consecutive ones in a single span; tokens are joined as they are.</summary>
    public static string Highlight(IReadOnlyList<string> tokens, IReadOnlyList<float> activations, double fraction)
    {
        double threshold = fraction * (activations.Count == 0 ? 0 : activations.Max());
        var marked = new bool[tokens.Count];
        for (int i = 0; i < marked.Length; i++) marked[i] = activations[i] > threshold && activations[i] > 0;
        return Highlight(tokens, marked);
    }

    /// <summary>Wraps each run of consecutive marked tokens in &lt;&lt; &gt;&gt;; line breaks inside tokens are written as \n.</summary>
    public static string Highlight(IReadOnlyList<string> tokens, IReadOnlyList<bool> marked)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < tokens.Count;)
        {
            if (!marked[i]) { sb.Append(OneLine(tokens[i++])); continue; }
            sb.Append(Open);
            while (i < tokens.Count && marked[i]) sb.Append(OneLine(tokens[i++]));
            sb.Append(Close);
        }
        return sb.ToString();
    }

    /// <summary>delphi's optional per-example activation list: the marked tokens (above the fraction of the window's max)
    /// with their 0-10 values, at most <paramref name="limit"/>, as `("token" : n)` pairs.</summary>
    public static string MarkedActivations(IReadOnlyList<string> tokens, IReadOnlyList<float> activations, double fraction, double max, int limit = 10)
    {
        double threshold = fraction * (activations.Count == 0 ? 0 : activations.Max());
        var scaled = Normalize(activations, max);
        var pairs = new List<string>();
        for (int i = 0; i < tokens.Count && pairs.Count < limit; i++)
            if (activations[i] > threshold && activations[i] > 0) pairs.Add($"(\"{tokens[i]}\" : {scaled[i]})");
        return string.Join(", ", pairs);
    }
}

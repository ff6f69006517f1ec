// The run primitives: what the model predicts after a prompt (top next tokens, loss), what a hook holds (summarised per
// position: norm, mean, top dimensions; never a raw dump), and how two prompts' next-token distributions differ.
using Interp.Tensors;

namespace Interp.Agent.Tools;

/// <param name="Loss">mean next-token cross-entropy over the prompt's own tokens, in nats (null for one token)</param>
public sealed record RunPromptResult(IReadOnlyList<TokenAt> Tokens, IReadOnlyList<TokenProb> NextTokens, double? Loss, string LossUnit);

/// <param name="Norm">L2 norm of the position's activation vector</param>
/// <param name="TopDimensions">the dimensions with the largest |value| (index into the flattened vector; for [heads, d_head] hooks "H{head}.{dim}")</param>
public sealed record PositionActivation(int Position, string Token, double Norm, double Mean, double MaxAbs, IReadOnlyList<DimensionValue> TopDimensions);
public sealed record DimensionValue(string Dimension, double Value);
public sealed record ActivationsResult(string Hook, string Shape, int Width, IReadOnlyList<PositionActivation> Positions, string Note);

/// <param name="Kl">KL(a ‖ b) of the next-token distributions at the last position, in nats</param>
public sealed record ComparePromptsResult(RunPromptResult A, RunPromptResult B, double Kl, IReadOnlyList<TokenShift> LargestShifts);

/// <param name="Delta">probability under the second (edited) run minus the first, in probability units</param>
public sealed record TokenShift(string Token, int Id, double Before, double After, double Delta);

public sealed partial class InterpPrimitives
{
    public RunPromptResult RunPrompt(string? text, int k = 5)
    {
        var ids = Encode(text);
        ToolArgs.K(k, Limits);
        return Session.Exclusive(() => PromptResult(ids, Logits(ids), k));
    }

    private RunPromptResult PromptResult(int[] ids, float[] logits, int k) =>
        new(TokensOf(ids), Top(logits, ids.Length - 1, k), Loss(ids, logits) is { } l ? ToolJson.R(l) : null, "nats");

    public ActivationsResult GetActivations(string? text, string? hook, string? positions = null, int k = 5)
    {
        var ids = Encode(text);
        ToolArgs.K(k, Limits);
        if (string.IsNullOrWhiteSpace(hook)) throw new ToolArgumentException("hook", "is empty", "name a hook such as " + Model.HookNames[Math.Min(3, Model.HookNames.Count - 1)] + "; list_hooks lists them");
        try { Model.ValidateHookName(hook); }
        catch (ArgumentException e) { throw new ToolArgumentException("hook", e.Message.TrimEnd('.'), "call list_hooks for every valid name"); }
        var pos = ToolArgs.Positions(positions, ids.Length, Limits, Enumerable.Range(0, Math.Min(ids.Length, Limits.MaxPositions)).ToArray());
        return Session.Exclusive(() =>
        {
            using var scope = TensorScope.Begin();
            using var noGrad = Tensor.NoGrad();
            var tokens = Tensor.FromArray(ids.Select(i => (long)i).ToArray(), 1, ids.Length);
            var act = Model.RunToHook(tokens, hook);
            var shape = act.Shape.ToArray();
            var data = act.ToArray();
            // [1, head, q, k] (attention pattern and scores) put the position second; every other hook [1, pos, ...]
            bool headFirst = shape.Length == 4 && shape[2] == ids.Length && shape[3] == ids.Length && shape[1] != ids.Length;
            int width = shape.Skip(2).Aggregate(1, (a, b) => a * b);
            var rows = new List<PositionActivation>();
            foreach (int p in pos)
            {
                var v = new float[width];
                if (headFirst)
                    for (int h = 0; h < shape[1]; h++)
                        Array.Copy(data, (h * ids.Length + p) * ids.Length, v, h * ids.Length, ids.Length);
                else Array.Copy(data, p * width, v, 0, width);
                double sq = 0, sum = 0, maxAbs = 0;
                foreach (var x in v) { sq += x * (double)x; sum += x; maxAbs = Math.Max(maxAbs, Math.Abs(x)); }
                int inner = shape.Length == 4 ? (headFirst ? ids.Length : shape[3]) : width;
                var top = Enumerable.Range(0, width).OrderByDescending(i => Math.Abs(v[i])).ThenBy(i => i).Take(k)
                    .Select(i => new DimensionValue(shape.Length == 4 ? $"H{i / inner}.{i % inner}" : i.ToString(System.Globalization.CultureInfo.InvariantCulture), ToolJson.R(v[i]))).ToList();
                rows.Add(new PositionActivation(p, Tok(ids[p]), ToolJson.R(Math.Sqrt(sq)), ToolJson.R(sum / width), ToolJson.R(maxAbs), top));
            }
            string shapeText = "[" + string.Join(", ", shape) + "]";
            return new ActivationsResult(hook, shapeText, width, rows,
                headFirst ? "attention hook [batch, head, query, key]: per query position, dimensions are H{head}.{key position}" :
                shape.Length == 4 ? "per-head hook [batch, pos, head, d_head]: dimensions are H{head}.{d}" : "dimensions index the hook's last axis");
        });
    }

    public ComparePromptsResult ComparePrompts(string? textA, string? textB, int k = 5)
    {
        var a = Encode(textA, "text_a");
        var b = Encode(textB, "text_b");
        ToolArgs.K(k, Limits);
        return Session.Exclusive(() =>
        {
            var la = Logits(a);
            var lb = Logits(b);
            var pa = Probs(la, a.Length - 1);
            var pb = Probs(lb, b.Length - 1);
            return new ComparePromptsResult(PromptResult(a, la, k), PromptResult(b, lb, k), ToolJson.R(Kl(pa, pb)), Shifts(pa, pb, k));
        });
    }

    internal static double Kl(double[] p, double[] q)
    {
        double kl = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] > 0) kl += p[i] * (Math.Log(p[i]) - Math.Log(Math.Max(q[i], 1e-300)));
        return Math.Max(0, kl);
    }

    internal IReadOnlyList<TokenShift> Shifts(double[] before, double[] after, int k) =>
        Enumerable.Range(0, before.Length).OrderByDescending(i => Math.Abs(after[i] - before[i])).ThenBy(i => i).Take(k)
            .Select(i => new TokenShift(Tok(i), i, ToolJson.R(before[i]), ToolJson.R(after[i]), ToolJson.R(after[i] - before[i]))).ToList();
}

// The interpretability primitives, written once over a ModelSession: each public method checks its arguments (ToolArgs),
// runs the model under the session's gate with hooks scoped to the call, and returns a compact record (token strings
// beside ids, units named). The SK plugins, the MCP tools, `interp chat /call`, `interp tool` and the CLI verbs are
// faces over these methods. This file holds what the groups share: tokenizing, forward passes, next-token summaries.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Agent.Tools;

/// <param name="Probability">softmax probability at that position, 0..1</param>
/// <param name="Logit">the raw logit</param>
public sealed record TokenProb(string Token, int Id, double Probability, double Logit);

/// <param name="Token">the token's text (leading spaces kept)</param>
public sealed record TokenAt(int Position, int Id, string Token);

public sealed partial class InterpPrimitives(ModelSession session)
{
    public ModelSession Session { get; } = session ?? throw new ArgumentNullException(nameof(session));
    private HookedTransformer Model => Session.Model;
    private ToolLimits Limits => Session.Limits;

    /// <summary>Token ids of a text argument (special tokens as the tokenizer adds them), checked against the context.</summary>
    internal int[] Encode(string? text, string argument = "text")
    {
        ToolArgs.Text(text, Limits, argument);
        var ids = Session.Tokenizer.Encode(text!, addSpecialTokens: true);
        if (ids.Length == 0) throw new ToolArgumentException(argument, "produced no tokens", "give some words");
        if (ids.Length > Model.Config.NCtx)
            throw new ToolArgumentException(argument, $"is {ids.Length} tokens, more than the model's context of {Model.Config.NCtx}", "shorten it");
        return ids;
    }

    internal string Tok(int id) => Session.Tokenizer.TokenToString(id);

    internal IReadOnlyList<TokenAt> TokensOf(int[] ids) => ids.Select((id, p) => new TokenAt(p, id, Tok(id))).ToList();

    /// <summary>A single token for a metric argument (" Mary" with its leading space for byte-level tokenizers).</summary>
    internal int? SingleToken(string? text, string argument)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var ids = Session.Tokenizer.Encode(text);
        if (ids.Length == 1) return ids[0];
        var id = Session.Tokenizer.TokenToId(text);
        if (id is { } i) return i;
        throw new ToolArgumentException(argument, $"'{text}' is {ids.Length} tokens ([{string.Join(", ", ids.Select(t => "\"" + Tok(t) + "\""))}]), not one",
            "give a single token; call tokenize to see how words split (mind a leading space)");
    }

    /// <summary>Logits [pos, d_vocab] of one row, flattened, with <paramref name="hooks"/> active for this pass only.</summary>
    internal float[] Logits(int[] ids, params (string name, HookFn fn)[] hooks)
    {
        using var scope = TensorScope.Begin();                       // the pass and its hooks' tensors end here
        using var noGrad = Tensor.NoGrad();
        var tokens = Tensor.FromArray(ids.Select(i => (long)i).ToArray(), 1, ids.Length);
        var logits = hooks.Length == 0 ? Model.Run(tokens) : Model.RunWithHooks(tokens, hooks);   // [1, pos, d_vocab]
        return logits.ToArray();
    }

    internal int Vocab => Model.Config.DVocab;

    /// <summary>Softmax of one position's logits, in double.</summary>
    internal double[] Probs(float[] logits, int position)
    {
        int v = Vocab;
        var row = logits.AsSpan(position * v, v);
        double max = double.NegativeInfinity;
        foreach (var x in row) max = Math.Max(max, x);
        var p = new double[v];
        double z = 0;
        for (int i = 0; i < v; i++) z += p[i] = Math.Exp(row[i] - max);
        for (int i = 0; i < v; i++) p[i] /= z;
        return p;
    }

    internal IReadOnlyList<TokenProb> Top(float[] logits, int position, int k)
    {
        var p = Probs(logits, position);
        int v = Vocab;
        return Enumerable.Range(0, v).OrderByDescending(i => logits[position * v + i]).ThenBy(i => i).Take(k)
            .Select(i => new TokenProb(Tok(i), i, ToolJson.R(p[i]), ToolJson.R(logits[position * v + i]))).ToList();
    }

    /// <summary>Mean next-token cross-entropy over positions 0..T-2 (nats); null for one token.</summary>
    internal double? Loss(int[] ids, float[] logits)
    {
        if (ids.Length < 2) return null;
        double sum = 0;
        for (int t = 0; t < ids.Length - 1; t++) sum -= Math.Log(Math.Max(Probs(logits, t)[ids[t + 1]], double.Epsilon));
        return sum / (ids.Length - 1);
    }

    internal double LogitAt(float[] logits, int position, int token) => logits[position * Vocab + token];
}

// A toy-world document and its per-token ground truth. Segments (one template each) carry the labels their template
// plants (IOI role, successor position, induction repeat); Assemble adds <bos>/<eos> and derives the rest (category from
// the lexicon, quote and bracket state by scanning). Not the sampling of content (Templates, ToyWorldGenerator).
namespace Interp.Evals.ToyWorld;

/// <summary>Role of a token in an indirect-object sentence: IO and S1 are the first mentions of the two names, S2 the
/// subject's second mention, End the token right before the answer, Answer the final mention of IO.</summary>
public enum IoiRole { None, S1, IO, S2, End, Answer }

public static class IoiRoles
{
    /// <summary>The label string written to labels.jsonl (null for None).</summary>
    public static string? ToLabel(IoiRole r) => r switch
    {
        IoiRole.None => null,
        IoiRole.S1 => "S1",
        IoiRole.IO => "IO",
        IoiRole.S2 => "S2",
        IoiRole.End => "END",
        IoiRole.Answer => "answer",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, "unknown IOI role."),
    };

    public static IoiRole Parse(string? label) => label switch
    {
        null => IoiRole.None,
        "S1" => IoiRole.S1,
        "IO" => IoiRole.IO,
        "S2" => IoiRole.S2,
        "END" => IoiRole.End,
        "answer" => IoiRole.Answer,
        _ => throw new InvalidDataException($"ioi_role '{label}' is not one of null, S1, IO, S2, END, answer."),
    };
}

/// <summary>Ground truth of one token. InQuote and BracketDepth are the state after reading the token (an opening
/// mark counts as inside, a closing mark as outside). SuccessorPos is -1 outside a successor run; Template is -1 for
/// &lt;bos&gt;/&lt;eos&gt;.</summary>
public readonly record struct TokenLabel(string? Category, bool InQuote, int BracketDepth, bool IsRepeat,
    bool InductionPredictable, IoiRole Ioi, int SuccessorPos, int Template);

/// <summary>Tokens produced by one template, with the labels that template plants.</summary>
public sealed class Segment(int template)
{
    private readonly List<string> _tokens = [];
    private readonly List<(IoiRole Ioi, int Successor, bool Repeat, bool Predictable)> _planted = [];

    public int Template { get; } = template;
    public IReadOnlyList<string> Tokens => _tokens;
    public int Count => _tokens.Count;

    public Segment Add(string token, IoiRole ioi = IoiRole.None, int successorPos = -1, bool isRepeat = false, bool predictable = false)
    {
        if (!Lexicon.Contains(token)) throw new ArgumentException($"'{token}' is not in the toy-world vocabulary.", nameof(token));
        _tokens.Add(token);
        _planted.Add((ioi, successorPos, isRepeat, predictable));
        return this;
    }

    internal (IoiRole Ioi, int Successor, bool Repeat, bool Predictable) Planted(int i) => _planted[i];
}

public sealed class ToyDocument
{
    public IReadOnlyList<string> Tokens { get; }
    public IReadOnlyList<TokenLabel> Labels { get; }

    public ToyDocument(IReadOnlyList<string> tokens, IReadOnlyList<TokenLabel> labels)
    {
        if (tokens.Count != labels.Count)
            throw new ArgumentException($"a document needs one label per token; got {tokens.Count} tokens and {labels.Count} labels.");
        Tokens = tokens;
        Labels = labels;
    }

    public int Count => Tokens.Count;

    /// <summary>One line of corpus.txt: the tokens joined by single spaces.</summary>
    public string Text => string.Join(' ', Tokens);

    /// <summary>&lt;bos&gt;, the segments in order, &lt;eos&gt;; quote and bracket state derived by scanning. Throws when a
    /// quote or bracket is left open or a ")" has nothing to close (a template bug, never bad user input).</summary>
    public static ToyDocument Assemble(IEnumerable<Segment> segments)
    {
        var tokens = new List<string> { Lexicon.Bos };
        var labels = new List<TokenLabel> { Special() };
        bool inQuote = false;
        int depth = 0;
        foreach (var seg in segments)
            for (int i = 0; i < seg.Count; i++)
            {
                var tok = seg.Tokens[i];
                if (tok == Lexicon.Quote) inQuote = !inQuote;
                else if (tok == Lexicon.Open) depth++;
                else if (tok == Lexicon.Close && --depth < 0)
                    throw new InvalidOperationException($"template {seg.Template} closes a bracket that is not open: {string.Join(' ', seg.Tokens)}");
                var (ioi, succ, rep, pred) = seg.Planted(i);
                tokens.Add(tok);
                labels.Add(new TokenLabel(Lexicon.CategoryOf(tok), inQuote, depth, rep, pred, ioi, succ, seg.Template));
            }
        if (inQuote || depth != 0)
            throw new InvalidOperationException($"document ends with a quote open ({inQuote}) or bracket depth {depth}: {string.Join(' ', tokens)}");
        tokens.Add(Lexicon.Eos);
        labels.Add(Special());
        return new ToyDocument(tokens, labels);
    }

    private static TokenLabel Special() => new(null, false, 0, false, false, IoiRole.None, -1, -1);
}

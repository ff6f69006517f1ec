// The planted concepts of the toy world as binary per-token labels (a token is an animal, is inside a quote,
// repeats an earlier span, is the IOI subject's second mention, ...), for matching against units of a model.
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Concepts;

public sealed record Concept(string Name, Func<TokenLabel, bool> Holds);

public static class ToyConcepts
{
    public static IReadOnlyList<Concept> All { get; } = Build();

    private static List<Concept> Build()
    {
        var list = Lexicon.Categories.Select(c => new Concept("category:" + c.Name, l => l.Category == c.Name)).ToList();
        list.Add(new Concept("in_quote", l => l.InQuote));
        list.Add(new Concept("in_bracket", l => l.BracketDepth > 0));
        list.Add(new Concept("is_repeat", l => l.IsRepeat));
        list.Add(new Concept("induction_predictable", l => l.InductionPredictable));
        foreach (var r in new[] { IoiRole.S1, IoiRole.IO, IoiRole.S2, IoiRole.End })
            list.Add(new Concept("ioi:" + IoiRoles.ToLabel(r), l => l.Ioi == r));
        list.Add(new Concept("successor_run", l => l.SuccessorPos >= 0));
        return list;
    }
}

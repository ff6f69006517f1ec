// The indirect-object (IOI) task: "When Mary and John went to the store , John gave a drink to Mary ." with roles
// IO / S1 / S2 / END / answer, both name orders (ABBA: IO first; BABA: subject first), and a fixed held-out split of
// name pairs so evaluation prompts never use a pair the corpus's IOI sentences use. Not the eval-file writer.
using Interp.Tensors;

namespace Interp.Evals.ToyWorld;

public static class IoiTask
{
    /// <summary>One in HeldOutModulus unordered name pairs is held out for evaluation.</summary>
    public const int HeldOutModulus = 10;

    /// <summary>True when the unordered pair {a, b} is reserved for ioi_eval.jsonl. Depends only on the two names'
    /// positions in the name list (not on the seed), so every world built from this lexicon shares the split.</summary>
    public static bool IsHeldOut(string a, string b)
    {
        var names = Lexicon.Words("name");
        int i = Array.IndexOf(names, a), j = Array.IndexOf(names, b);
        if (i < 0 || j < 0 || i == j) throw new ArgumentException($"IOI needs two different names; got '{a}' and '{b}'.");
        ulong x = (ulong)Math.Min(i, j) * 1000 + (ulong)Math.Max(i, j);
        return Rng.SplitMix64(ref x) % HeldOutModulus == 0;
    }

    /// <summary>The IOI sentence of template <paramref name="t"/>. abba: "X and Y" = "IO and S"; otherwise "S and IO".</summary>
    public static Segment Render(Template t, string io, string subject, bool abba, string place, string obj)
    {
        if (t.Kind != TemplateKind.Ioi) throw new ArgumentException($"template '{t.Name}' is {t.Kind}, not an IOI template.");
        if (io == subject) throw new ArgumentException($"IO and subject must differ; both are '{io}'.");
        foreach (var (w, cat) in new[] { (io, "name"), (subject, "name"), (place, "place"), (obj, "object") })
            if (Lexicon.CategoryOf(w) != cat) throw new ArgumentException($"IOI template '{t.Name}' needs a {cat} word; got '{w}'.");
        var seg = new Segment(t.Id);
        for (int i = 0; i < t.Parts.Length; i++)
        {
            var part = t.Parts[i];
            bool endNext = i + 1 < t.Parts.Length && t.Parts[i + 1] == "IO";
            switch (part)
            {
                case "X": seg.Add(abba ? io : subject, abba ? IoiRole.IO : IoiRole.S1); break;
                case "Y": seg.Add(abba ? subject : io, abba ? IoiRole.S1 : IoiRole.IO); break;
                case "S": seg.Add(subject, IoiRole.S2); break;
                case "IO": seg.Add(io, IoiRole.Answer); break;
                case "PLACE": seg.Add(place); break;
                case "OBJECT": seg.Add(obj); break;
                default: seg.Add(part, endNext ? IoiRole.End : IoiRole.None); break;
            }
        }
        return seg;
    }

    /// <summary>A random IOI sentence. heldOut false: a training pair (IsHeldOut false); true: a held-out pair.</summary>
    public static Segment Sample(Rng rng, bool heldOut, out (string Io, string Subject, bool Abba) pick)
    {
        var templates = Templates.OfKind(TemplateKind.Ioi);
        var t = templates[rng.NextInt(templates.Length)];
        var names = Lexicon.Words("name");
        string io, s;
        do
        {
            io = names[rng.NextInt(names.Length)];
            s = names[rng.NextInt(names.Length)];
        } while (io == s || IsHeldOut(io, s) != heldOut);
        bool abba = rng.NextInt(2) == 0;
        var place = Lexicon.Words("place")[rng.NextInt(Lexicon.Words("place").Length)];
        var obj = Lexicon.Words("object")[rng.NextInt(Lexicon.Words("object").Length)];
        pick = (io, s, abba);
        return Render(t, io, s, abba, place, obj);
    }
}

// The toy world's sentence templates (id = position in All, stable across versions of this file: append only) and
// the one code path that turns a pattern plus slot fills into a labelled Segment. Pattern words: literal tokens,
// ANIMAL (one word of a category), FOOD+ (a list of 1-4: "x , y and z"), NUMBER... (a successor run), and for IOI
// X Y S IO (the two names, the subject again, the indirect object as answer). Not document composition.
using Interp.Tensors;

namespace Interp.Evals.ToyWorld;

public enum TemplateKind { Category, Quote, Bracket, Successor, Ioi, Induction }

public sealed record Template(int Id, string Name, TemplateKind Kind, string Pattern)
{
    internal string[] Parts { get; } = Pattern.Split(' ');
}

public static class Templates
{
    public static readonly Template[] All =
    [
        new(0, "category.likes", TemplateKind.Category, "the COLOUR ANIMAL likes FOOD ."),
        new(1, "category.lives", TemplateKind.Category, "NAME lives in CITY ."),
        new(2, "category.saw", TemplateKind.Category, "NAME saw a COLOUR ANIMAL in CITY ."),
        new(3, "category.weekday", TemplateKind.Category, "on WEEKDAY NAME ate FOOD ."),
        new(4, "category.month", TemplateKind.Category, "in MONTH NAME visited CITY ."),
        new(5, "category.age", TemplateKind.Category, "the ANIMAL is NUMBER years old ."),
        new(6, "category.met", TemplateKind.Category, "NAME and NAME met at the PLACE on WEEKDAY ."),
        new(7, "category.found", TemplateKind.Category, "NAME found a COLOUR OBJECT at the PLACE ."),
        new(8, "category.from", TemplateKind.Category, "the FOOD from CITY was COLOUR ."),
        new(9, "quote.said", TemplateKind.Quote, "NAME said \" the COLOUR ANIMAL ate the FOOD \" ."),
        new(10, "quote.list", TemplateKind.Quote, "NAME said \" I like FOOD+ \" ."),
        new(11, "quote.asked", TemplateKind.Quote, "\" where is the OBJECT ? \" asked NAME ."),
        new(12, "quote.called", TemplateKind.Quote, "the ANIMAL was called \" NAME \" ."),
        new(13, "quote.bracket", TemplateKind.Quote, "NAME wrote \" my ANIMAL ( and my OBJECT ) went to CITY \" ."),
        new(14, "bracket.from", TemplateKind.Bracket, "NAME ( from CITY ) likes FOOD ."),
        new(15, "bracket.list", TemplateKind.Bracket, "NAME bought ( FOOD+ ) at the PLACE ."),
        new(16, "bracket.nested", TemplateKind.Bracket, "NAME ( who lives in CITY ( near the PLACE ) ) has a COLOUR ANIMAL ."),
        new(17, "bracket.when", TemplateKind.Bracket, "the COLOUR ANIMAL came to the PLACE ( on WEEKDAY in MONTH ) ."),
        new(18, "bracket.quote", TemplateKind.Bracket, "NAME wrote ( \" the ANIMAL is COLOUR \" ) ."),
        new(19, "successor.count", TemplateKind.Successor, "NAME counted NUMBER... ."),
        new(20, "successor.days", TemplateKind.Successor, "the days were WEEKDAY... ."),
        new(21, "successor.months", TemplateKind.Successor, "the months were MONTH... ."),
        new(22, "ioi.when", TemplateKind.Ioi, "When X and Y went to the PLACE , S gave a OBJECT to IO ."),
        new(23, "ioi.after", TemplateKind.Ioi, "After X and Y had lunch at the PLACE , S handed a OBJECT to IO ."),
        new(24, "ioi.while", TemplateKind.Ioi, "While X and Y were at the PLACE , S brought a OBJECT to IO ."),
        new(25, "ioi.then", TemplateKind.Ioi, "Then X and Y went to the PLACE . S sent a OBJECT to IO ."),
        new(26, "ioi.once", TemplateKind.Ioi, "Once X and Y arrived at the PLACE , S showed a OBJECT to IO ."),
        new(27, "induction", TemplateKind.Induction, "SPAN . ... SPAN ."),
    ];

    public const int InductionId = 27;
    public const int MaxListItems = 4;
    public const int MinRun = 3;

    /// <summary>Longest successor run per category (weekdays: one week).</summary>
    public static int MaxRun(string category) => category == "weekday" ? 7 : 8;

    private static readonly string[] IoiSlots = ["X", "Y", "S", "IO"];

    static Templates()
    {
        for (int i = 0; i < All.Length; i++)
        {
            if (All[i].Id != i) throw new InvalidOperationException($"template '{All[i].Name}' has id {All[i].Id} at position {i}.");
            if (All[i].Kind == TemplateKind.Induction) continue;
            foreach (var part in All[i].Parts)
                if (ParseSlot(part) is null && !IoiSlots.Contains(part) && !Lexicon.Contains(part))
                    throw new InvalidOperationException($"template '{All[i].Name}' uses '{part}', which is neither a slot nor a vocabulary token.");
        }
    }

    public static Template ByName(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"no template named '{name}'; known: {string.Join(", ", All.Select(t => t.Name))}.");

    public static Template[] OfKind(TemplateKind kind) => All.Where(t => t.Kind == kind).ToArray();

    internal enum SlotShape { Word, List, Run }

    internal readonly record struct Slot(string Category, SlotShape Shape);

    /// <summary>ANIMAL, FOOD+, NUMBER... → the slot; anything else → null.</summary>
    internal static Slot? ParseSlot(string part)
    {
        var shape = part.EndsWith("...", StringComparison.Ordinal) ? SlotShape.Run
            : part.EndsWith('+') ? SlotShape.List : SlotShape.Word;
        var core = shape switch { SlotShape.Run => part[..^3], SlotShape.List => part[..^1], _ => part };
        if (core.Length == 0 || core.Any(c => !char.IsAsciiLetterUpper(c))) return null;
        var cat = core.ToLowerInvariant();
        return Lexicon.Categories.Any(c => c.Name == cat) ? new Slot(cat, shape) : null;
    }

    /// <summary>The slots of a non-IOI template, in pattern order.</summary>
    internal static Slot[] Slots(Template t) => t.Parts.Select(ParseSlot).Where(s => s is not null).Select(s => s!.Value).ToArray();

    /// <summary>A category, quote, bracket or successor template with explicit fills, one array per slot in pattern order
    /// (one word for a word slot, 1-4 words for a list, the whole run for a successor run).</summary>
    public static Segment Render(Template t, IReadOnlyList<string[]> fills)
    {
        if (t.Kind is TemplateKind.Ioi or TemplateKind.Induction)
            throw new ArgumentException($"template '{t.Name}' is {t.Kind}; use IoiTask.Render or InductionTask.Segments.");
        var slots = Slots(t);
        if (fills.Count != slots.Length)
            throw new ArgumentException($"template '{t.Name}' has {slots.Length} slots; got {fills.Count} fills.");
        var seg = new Segment(t.Id);
        int k = 0;
        foreach (var part in t.Parts)
        {
            if (ParseSlot(part) is not { } slot) { seg.Add(part); continue; }
            var fill = fills[k++];
            foreach (var w in fill)
                if (Lexicon.CategoryOf(w) != slot.Category)
                    throw new ArgumentException($"template '{t.Name}' slot {part} needs {slot.Category} words; got '{w}'.");
            switch (slot.Shape)
            {
                case SlotShape.Word:
                    if (fill.Length != 1) throw new ArgumentException($"slot {part} of '{t.Name}' takes one word; got {fill.Length}.");
                    seg.Add(fill[0]);
                    break;
                case SlotShape.List:
                    if (fill.Length is < 1 or > MaxListItems)
                        throw new ArgumentException($"list slot {part} of '{t.Name}' takes 1-{MaxListItems} words; got {fill.Length}.");
                    for (int i = 0; i < fill.Length; i++)
                    {
                        if (i > 0) seg.Add(i == fill.Length - 1 ? "and" : Lexicon.Comma);
                        seg.Add(fill[i]);
                    }
                    break;
                case SlotShape.Run:
                    if (fill.Length < MinRun || fill.Length > MaxRun(slot.Category))
                        throw new ArgumentException($"run slot {part} of '{t.Name}' takes {MinRun}-{MaxRun(slot.Category)} words; got {fill.Length}.");
                    for (int i = 0; i < fill.Length; i++)
                    {
                        if (i > 0 && Lexicon.Successor(fill[i - 1]) != fill[i])
                            throw new ArgumentException($"run slot {part} of '{t.Name}': '{fill[i]}' does not follow '{fill[i - 1]}'.");
                        seg.Add(fill[i], successorPos: i);
                    }
                    break;
            }
        }
        return seg;
    }

    /// <summary>Render with random fills: words distinct within the segment and outside <paramref name="reserved"/>.</summary>
    public static Segment Sample(Template t, Rng rng, IReadOnlySet<string> reserved)
    {
        var used = new HashSet<string>(reserved, StringComparer.Ordinal);
        var fills = new List<string[]>();
        foreach (var slot in Slots(t))
        {
            var words = Lexicon.Words(slot.Category);
            switch (slot.Shape)
            {
                case SlotShape.Word: fills.Add([PickUnused(words, rng, used)]); break;
                case SlotShape.List:
                {
                    var list = new string[1 + rng.NextInt(MaxListItems)];
                    for (int i = 0; i < list.Length; i++) list[i] = PickUnused(words, rng, used);
                    fills.Add(list);
                    break;
                }
                case SlotShape.Run:
                {
                    int len = MinRun + rng.NextInt(MaxRun(slot.Category) - MinRun + 1);
                    bool wraps = slot.Category != "number";
                    int start = rng.NextInt(wraps ? words.Length : words.Length - len + 1);
                    fills.Add(Enumerable.Range(0, len).Select(i => words[(start + i) % words.Length]).ToArray());
                    break;
                }
            }
        }
        return Render(t, fills);
    }

    /// <summary>A uniformly chosen word of <paramref name="words"/> not in <paramref name="used"/>, which it joins.</summary>
    internal static string PickUnused(string[] words, Rng rng, HashSet<string> used)
    {
        var free = words.Where(w => !used.Contains(w)).ToArray();
        if (free.Length == 0) throw new InvalidOperationException($"no unused word left among {words.Length} ({words[0]}, ...).");
        var w = free[rng.NextInt(free.Length)];
        used.Add(w);
        return w;
    }

    /// <summary>Length in tokens of the longest rendering of a template (lists and runs at their maximum).</summary>
    public static int MaxLength(Template t) => t.Kind == TemplateKind.Induction ? 2 * (InductionTask.MaxSpan + 1)
        : t.Parts.Sum(p => ParseSlot(p) switch
        {
            { Shape: SlotShape.List } => 2 * MaxListItems - 1,
            { Shape: SlotShape.Run } s => MaxRun(s.Category),
            _ => 1,
        });
}

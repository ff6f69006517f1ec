// The toy world's closed vocabulary: special tokens, punctuation, function words and the word categories, in the one
// fixed order that gives token ids. A word belongs to at most one category, so a token's category is a function of
// the token. Not the tokenizer file (ToyTokenizerJson) nor the sentence templates (Templates).
namespace Interp.Evals.ToyWorld;

public static class Lexicon
{
    public const string Pad = "<pad>", Bos = "<bos>", Eos = "<eos>", Unk = "<unk>";
    public const string Quote = "\"", Open = "(", Close = ")", Period = ".", Comma = ",";

    /// <summary>Special tokens, ids 0..3 in this order.</summary>
    public static readonly string[] Specials = [Pad, Bos, Eos, Unk];

    public static readonly string[] Punctuation = [Quote, Open, Close, Period, Comma, "?"];

    /// <summary>Words outside every category (label category = null).</summary>
    public static readonly string[] FunctionWords =
    [
        "the", "a", "and", "to", "in", "on", "at", "is", "was", "were", "from", "my", "I", "where",
        "who", "near", "lives", "likes", "like", "ate", "saw", "visited", "bought", "met", "found", "wrote", "said", "asked",
        "came", "called", "counted", "has", "had", "lunch", "went", "arrived", "gave", "handed", "brought", "sent", "showed",
        "years", "old", "days", "months", "When", "After", "While", "Then", "Once",
    ];

    /// <summary>The categories in id order: (name, words). Numbers, weekdays and months are listed in successor order.</summary>
    public static readonly (string Name, string[] Words)[] Categories =
    [
        ("animal", ["cat", "dog", "horse", "cow", "pig", "sheep", "goat", "fox", "wolf", "bear", "lion", "tiger", "mouse", "rabbit",
            "deer", "owl", "eagle", "duck", "goose", "frog", "snake", "whale", "shark", "monkey", "zebra", "camel", "otter", "badger",
            "hen", "crow"]),
        ("colour", ["red", "blue", "green", "yellow", "black", "white", "brown", "pink", "purple", "grey", "violet", "silver",
            "golden", "scarlet"]),
        ("number", ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
            "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]),
        ("name", ["Mary", "John", "Alice", "Bob", "Emma", "James", "Sarah", "David", "Laura", "Peter", "Anna", "Paul", "Kate", "Tom",
            "Lucy", "Mark", "Rose", "Sam", "Julia", "Ben", "Clara", "Henry", "Nina", "Oscar", "Ruth", "Victor", "Helen", "Adam",
            "Grace", "Leo", "Irene", "Hugo", "Maria", "Felix", "Diana", "Simon", "Olga", "Ivan", "Elena", "Max"]),
        ("city", ["Paris", "London", "Rome", "Berlin", "Madrid", "Tokyo", "Cairo", "Lima", "Oslo", "Vienna", "Prague", "Dublin",
            "Lisbon", "Athens", "Moscow", "Delhi", "Sydney", "Boston", "Denver", "Chicago", "Toronto", "Seoul", "Nairobi", "Havana"]),
        ("food", ["bread", "cake", "soup", "rice", "cheese", "pasta", "salad", "pie", "honey", "butter", "jam", "milk", "tea",
            "coffee", "cookie", "melon", "pear", "plum", "grape", "lemon", "carrot", "potato", "noodle", "pizza"]),
        ("weekday", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
        ("month", ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
            "December"]),
        ("place", ["store", "park", "school", "market", "beach", "library", "garden", "station", "kitchen", "office", "church",
            "hospital", "museum", "cafe", "farm", "harbor"]),
        ("object", ["drink", "book", "ball", "letter", "gift", "key", "ring", "hat", "cup", "pen", "flower", "coin", "map", "phone",
            "bag", "box"]),
    ];

    /// <summary>Categories whose words are ordered sequences (the successor task) and so never fill an induction span.</summary>
    public static readonly string[] SequenceCategories = ["number", "weekday", "month"];

    /// <summary>Every token in id order: specials, punctuation, function words, then each category's words.</summary>
    public static readonly string[] Vocabulary = BuildVocabulary();

    private static readonly Dictionary<string, int> IdOf = BuildIds();
    private static readonly Dictionary<string, string> CategoryByWord = BuildCategoryIndex();

    /// <summary>Content words an induction span may use: every category word outside SequenceCategories, in id order.</summary>
    public static readonly string[] InductionPool =
        Categories.Where(c => !SequenceCategories.Contains(c.Name)).SelectMany(c => c.Words).ToArray();

    public static string[] Words(string category)
    {
        foreach (var (name, words) in Categories)
            if (name == category) return words;
        throw new ArgumentException($"unknown category '{category}'; known: {string.Join(", ", Categories.Select(c => c.Name))}.");
    }

    /// <summary>The category of a token, or null for specials, punctuation and function words.</summary>
    public static string? CategoryOf(string token) => CategoryByWord.GetValueOrDefault(token);

    public static bool Contains(string token) => IdOf.ContainsKey(token);

    public static int Id(string token) => IdOf.TryGetValue(token, out var id) ? id
        : throw new ArgumentException($"'{token}' is not in the toy-world vocabulary ({Vocabulary.Length} tokens).");

    /// <summary>The word after <paramref name="word"/> in its sequence category (numbers stop at twenty; weekdays and months wrap).</summary>
    public static string? Successor(string word)
    {
        var cat = CategoryOf(word);
        if (cat is null || !SequenceCategories.Contains(cat)) return null;
        var words = Words(cat);
        int i = Array.IndexOf(words, word);
        if (cat == "number") return i + 1 < words.Length ? words[i + 1] : null;
        return words[(i + 1) % words.Length];
    }

    private static string[] BuildVocabulary()
    {
        var all = new List<string>();
        all.AddRange(Specials);
        all.AddRange(Punctuation);
        all.AddRange(FunctionWords);
        foreach (var (_, words) in Categories) all.AddRange(words);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in all)
        {
            if (!seen.Add(w)) throw new InvalidOperationException($"toy-world vocabulary lists '{w}' twice; each token must be unique.");
            if (w.Length == 0 || w.Any(char.IsWhiteSpace)) throw new InvalidOperationException($"toy-world token '{w}' is empty or has whitespace.");
        }
        return all.ToArray();
    }

    private static Dictionary<string, int> BuildIds()
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Vocabulary.Length; i++) d[Vocabulary[i]] = i;
        return d;
    }

    private static Dictionary<string, string> BuildCategoryIndex()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, words) in Categories)
            foreach (var w in words) d[w] = name;
        return d;
    }
}

// Which features a run labels: "all", or a comma list of indices and inclusive ranges ("0-99", "3,17,40-47"), checked
// against the SAE's size with an error that says what is allowed. Sorted, duplicates removed.
using System.Globalization;

namespace Interp.Agent.Labeling;

public static class FeatureSpec
{
    public static IReadOnlyList<int> Parse(string spec, int dSae)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new ArgumentException("--features is empty; give 'all', an index, or ranges such as 0-99,120.");
        if (spec.Trim() == "all") return Enumerable.Range(0, dSae).ToList();
        var set = new SortedSet<int>();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new ArgumentException($"--features: '{part}' is not an index or a range like 0-99 (the whole spec: '{spec}').");
            int lo = int.Parse(ends[0], CultureInfo.InvariantCulture), hi = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (lo > hi) throw new ArgumentException($"--features: the range '{part}' runs backwards; write {hi}-{lo}.");
            if (hi >= dSae)
                throw new ArgumentException($"--features: {(lo == hi ? $"feature {hi} is" : $"range {part} reaches {hi}, which is")} outside this SAE's features 0..{dSae - 1}.");
            for (int f = lo; f <= hi; f++) set.Add(f);
        }
        return set.ToList();
    }
}

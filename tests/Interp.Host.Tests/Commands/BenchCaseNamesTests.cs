// `interp bench --only` is an unanchored regular expression, so each area's documented selector must match its own
// cases and no other's (`--only cache_` once also picked gpt2small_forward_cache_*; the latent cache cases are
// latentcache_* since). Names are built as `bench` builds them, with and without --quick; no case is set up.
using System.Text.RegularExpressions;
using Interp.Host.Bench;

namespace Interp.Host.Tests.Commands;

public sealed class BenchCaseNamesTests
{
    // The selectors docs/benchmarks.md, DESIGN.md and the issues use, one per area.
    private static readonly string[] Selectors = ["sgemm_", "gpt2small_", "sae_", "forward_rss", "llm_", "index_", "latentcache_", "circuit_", "tools_", "label_"];

    public static TheoryData<bool> Quick => new() { false, true };

    [Theory]
    [MemberData(nameof(Quick))]
    public void Selectors_EachMatchesOnlyCasesStartingWithIt(bool quick)
    {
        var names = BenchCases.All.Select(f => f(quick).Name).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        foreach (var name in names)
            Assert.Single(Selectors, s => name.StartsWith(s, StringComparison.Ordinal));
        foreach (var s in Selectors)
        {
            var picked = names.Where(n => new Regex(s).IsMatch(n)).ToArray();
            Assert.NotEmpty(picked);
            Assert.All(picked, n => Assert.StartsWith(s, n, StringComparison.Ordinal));
        }
    }
}

// Spearman's ρ with ties, checked against values worked out by hand.
namespace Interp.Circuits.Tests.Attribution;

public class RanksTests
{
    [Fact]
    public void Of_Ties_ShareTheirMeanRank() => Assert.Equal(new[] { 1.0, 2.5, 2.5, 4.0 }, Ranks.Of(new[] { 0.1, 0.5, 0.5, 2.0 }));

    [Fact]
    public void Spearman_ByHand()
    {
        Assert.Equal(1.0, Ranks.Spearman(new[] { 1.0, 2, 3, 4 }, new[] { 10.0, 20, 30, 400 })!.Value, 12);
        Assert.Equal(-1.0, Ranks.Spearman(new[] { 1.0, 2, 3, 4 }, new[] { 4.0, 3, 2, 1 })!.Value, 12);
        // ranks a = (1,2,3,4), b = (2,1,4,3): d² = 1+1+1+1 = 4, ρ = 1 − 6·4 / (4·15) = 0.6
        Assert.Equal(0.6, Ranks.Spearman(new[] { 1.0, 2, 3, 4 }, new[] { 2.0, 1, 4, 3 })!.Value, 12);
        Assert.Null(Ranks.Spearman(new[] { 1.0, 1, 1 }, new[] { 1.0, 2, 3 }));
    }
}

// Add-k unigram and bigram held-out losses against hand computations, token files and fingerprints.
using Interp.Models.Training;

namespace Interp.Models.Tests.Training;

public sealed class NgramBaselinesTests
{
    /// <summary>Sums of a few logs: only rounding separates the two sides.</summary>
    private const double Tol = 1e-12;

    [Fact]
    public void Losses_TinyCounts_MatchHandComputation()
    {
        int[] train = [0, 1, 0, 1], held = [0, 1, 1];
        // unigram, k = 1: c = [2, 2], p(1) = (2 + 1) / (4 + 2) = 1/2 for both predicted tokens
        Assert.True(Math.Abs(NgramBaselines.UnigramLoss(train, held, 2, 1) - Math.Log(2)) < Tol);
        // bigram, k = 1: contexts 0,1,0 -> c(0)=2, c(1)=1; pairs (0,1)=2, (1,0)=1
        // p(1|0) = (2+1)/(2+2) = 3/4, p(1|1) = (0+1)/(1+2) = 1/3
        double expected = -(Math.Log(3.0 / 4) + Math.Log(1.0 / 3)) / 2;
        Assert.True(Math.Abs(NgramBaselines.BigramLoss(train, held, 2, 1) - expected) < Tol);
        // smaller k trusts the counts more: p(1|0) -> 1, p(1|1) -> 0 (loss grows)
        Assert.True(NgramBaselines.BigramLoss(train, held, 2, 1e-3) > expected);
    }

    [Fact]
    public void Losses_BadInput_Throw()
    {
        Assert.Throws<ArgumentException>(() => NgramBaselines.UnigramLoss([0, 1], [0, 2], 2, 1));
        Assert.Throws<ArgumentException>(() => NgramBaselines.BigramLoss([0, 1], [0], 2, 1));
        Assert.Throws<ArgumentException>(() => NgramBaselines.BigramLoss([0, 1], [0, 1], 2, 0));
    }

    [Fact]
    public void TokenData_BinRoundTripAndFingerprint()
    {
        var path = Path.Combine(Path.GetTempPath(), "interp-ids-" + Guid.NewGuid().ToString("N") + ".bin");
        try
        {
            int[] ids = [0, 1, 65535, 70000, int.MaxValue];
            TokenData.WriteBin(path, ids);
            Assert.Equal(20, new FileInfo(path).Length);
            Assert.Equal(ids, TokenData.ReadBin(path));
            Assert.Equal(TokenData.Fingerprint(ids), TokenData.Fingerprint(TokenData.ReadBin(path)));
            Assert.NotEqual(TokenData.Fingerprint(ids), TokenData.Fingerprint([0, 1, 65535, 70000, 5]));
            Assert.StartsWith("5:", TokenData.Fingerprint(ids));
        }
        finally { File.Delete(path); }
    }
}

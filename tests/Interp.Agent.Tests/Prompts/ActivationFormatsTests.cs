// The example formats carried over from the anchors: OpenAI's 0-10 scaling (floor(10·relu(a)/max), capped at 10) and
// token<TAB>value records between <start>/<end>, and delphi's << >> marks over tokens above a fraction of the window's max.
using Interp.Agent.Prompts;

namespace Interp.Agent.Tests.Prompts;

public sealed class ActivationFormatsTests
{
    [Fact]
    public void Normalize_HandValues_FloorOfTenthsOfMaxReluCapped()
    {
        // 10·a/max = 10, 4.99.., 0 (relu of -1), 9.99.., 0 (tiny)
        Assert.Equal([10, 4, 0, 9, 0], ActivationFormats.Normalize([2f, 0.999f, -1f, 1.999f, 0.01f], 2));
        Assert.Equal([0, 0], ActivationFormats.Normalize([1f, 2f], 0));
    }

    [Fact]
    public void TokenLines_TwoRecords_OpenAiLayout()
    {
        var text = ActivationFormats.TokenLines([(["a", "b\tc"], [0f, 4f]), (["d"], [2f])], 4);
        Assert.Equal("\n<start>\na\t0\nb\\tc\t10\n<end>\n<start>\nd\t5\n<end>\n", text);
        Assert.Equal("\n<start>\nb\\tc\t10\n<end>\n<start>\nd\t5\n<end>\n", ActivationFormats.TokenLines([(["a", "b\tc"], [0f, 4f]), (["d"], [2f])], 4, omitZeros: true));
        Assert.Equal("\n<start>\na\tunknown\n<end>\n", ActivationFormats.TokenLines([(["a"], [3f])], 4, hide: true));
    }

    [Fact]
    public void Highlight_ConsecutiveTokensAboveFraction_OneSpanEach()
    {
        string[] toks = ["x", " big", " cat", " and", " dog", "."];
        float[] acts = [0f, 5f, 10f, 2.9f, 3.1f, 0f];
        // threshold 0.3 × 10 = 3: 5 and 10 form one span, 2.9 is below, 3.1 above
        Assert.Equal("x<< big cat>> and<< dog>>.", ActivationFormats.Highlight(toks, acts, 0.3));
        Assert.Equal("(\" big\" : 5), (\" cat\" : 10), (\" dog\" : 3)", ActivationFormats.MarkedActivations(toks, acts, 0.3, 10));
    }

    [Fact]
    public void Highlight_AllZero_NothingMarked() =>
        Assert.Equal("ab", ActivationFormats.Highlight(["a", "b"], [0f, 0f], 0.3));
}

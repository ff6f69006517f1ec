// Hand-checked ground truth: documents built from one template with explicit fills (or a fixed seed), every token's
// labels written out by hand. Columns are compared as space-joined strings so a mismatch shows the whole row.
using Interp.Evals.ToyWorld;
using Interp.Tensors;

namespace Interp.Evals.Tests.ToyWorld;

public sealed class HandCheckedLabelTests
{
    private static string Col(ToyDocument d, Func<TokenLabel, object?> f) =>
        string.Join(' ', d.Labels.Select(l => f(l) switch { null => "-", true => "1", false => "0", IoiRole.None => "-", var v => v.ToString() }));

    private static ToyDocument One(Segment s) => ToyDocument.Assemble([s]);

    private static readonly HashSet<string> NoReserved = [];

    [Fact]
    public void IoiRender_AbbaWhen_RolesAndAnswerByHand()
    {
        var d = One(IoiTask.Render(Templates.ByName("ioi.when"), io: "Mary", subject: "John", abba: true, place: "store", obj: "drink"));
        Assert.Equal("<bos> When Mary and John went to the store , John gave a drink to Mary . <eos>", d.Text);
        Assert.Equal("- - IO - S1 - - - - - S2 - - - End Answer - -", Col(d, l => l.Ioi));
        Assert.Equal("-1 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 -1", Col(d, l => l.Template));
        Assert.Equal("- - name - name - - - place - name - - object - name - -", Col(d, l => l.Category));
    }

    [Fact]
    public void IoiRender_BabaThen_SubjectNamedFirst()
    {
        var d = One(IoiTask.Render(Templates.ByName("ioi.then"), io: "Mary", subject: "John", abba: false, place: "park", obj: "ball"));
        Assert.Equal("<bos> Then John and Mary went to the park . John sent a ball to Mary . <eos>", d.Text);
        Assert.Equal("- - S1 - IO - - - - - S2 - - - End Answer - -", Col(d, l => l.Ioi));
    }

    [Fact]
    public void IoiRender_SameNameTwice_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => IoiTask.Render(Templates.ByName("ioi.when"), "Mary", "Mary", true, "park", "ball"));
        Assert.Contains("must differ", e.Message);
    }

    [Fact]
    public void Sample_QuoteListSeed3_QuoteSpanByHand()
    {
        var d = One(Templates.Sample(Templates.ByName("quote.list"), new Rng(3UL), NoReserved));
        Assert.Equal("<bos> Adam said \" I like pasta , coffee and jam \" . <eos>", d.Text);
        //                <bos> Adam said " I like pasta , coffee and jam " . <eos>
        Assert.Equal("0 0 0 1 1 1 1 1 1 1 1 0 0 0", Col(d, l => l.InQuote));
        Assert.Equal("0 0 0 0 0 0 0 0 0 0 0 0 0 0", Col(d, l => l.BracketDepth));
        Assert.Equal("- name - - - - food - food - food - - -", Col(d, l => l.Category));
    }

    [Fact]
    public void Render_QuoteHoldingBracket_QuoteAndDepthByHand()
    {
        var d = One(Templates.Render(Templates.ByName("quote.bracket"), [["Mary"], ["fox"], ["key"], ["Oslo"]]));
        Assert.Equal("<bos> Mary wrote \" my fox ( and my key ) went to Oslo \" . <eos>", d.Text);
        //                <bos> Mary wrote " my fox ( and my key ) went to Oslo " . <eos>
        Assert.Equal("0 0 0 1 1 1 1 1 1 1 1 1 1 1 0 0 0", Col(d, l => l.InQuote));
        Assert.Equal("0 0 0 0 0 0 1 1 1 1 0 0 0 0 0 0 0", Col(d, l => l.BracketDepth));
    }

    [Fact]
    public void Render_NestedBrackets_DepthTwoByHand()
    {
        var d = One(Templates.Render(Templates.ByName("bracket.nested"), [["Anna"], ["Rome"], ["park"], ["red"], ["owl"]]));
        Assert.Equal("<bos> Anna ( who lives in Rome ( near the park ) ) has a red owl . <eos>", d.Text);
        //                <bos> Anna ( who lives in Rome ( near the park ) ) has a red owl . <eos>
        Assert.Equal("0 0 1 1 1 1 1 2 2 2 2 1 0 0 0 0 0 0 0", Col(d, l => l.BracketDepth));
        Assert.Equal("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", Col(d, l => l.InQuote));
    }

    [Fact]
    public void Render_BracketHoldingQuote_BothStates()
    {
        var d = One(Templates.Render(Templates.ByName("bracket.quote"), [["Tom"], ["cat"], ["pink"]]));
        Assert.Equal("<bos> Tom wrote ( \" the cat is pink \" ) . <eos>", d.Text);
        Assert.Equal("0 0 0 1 1 1 1 1 1 1 0 0 0", Col(d, l => l.BracketDepth));
        Assert.Equal("0 0 0 0 1 1 1 1 1 0 0 0 0", Col(d, l => l.InQuote));
    }

    [Fact]
    public void Sample_SuccessorDaysSeed5_WrapsPastSunday()
    {
        var d = One(Templates.Sample(Templates.ByName("successor.days"), new Rng(5UL), NoReserved));
        Assert.Equal("<bos> the days were Friday Saturday Sunday Monday . <eos>", d.Text);
        Assert.Equal("-1 -1 -1 -1 0 1 2 3 -1 -1", Col(d, l => l.SuccessorPos));
        Assert.Equal("-1 20 20 20 20 20 20 20 20 -1", Col(d, l => l.Template));
    }

    [Fact]
    public void Render_CountRun_PositionsByHand()
    {
        var d = One(Templates.Render(Templates.ByName("successor.count"), [["Leo"], ["eighteen", "nineteen", "twenty"]]));
        Assert.Equal("<bos> Leo counted eighteen nineteen twenty . <eos>", d.Text);
        Assert.Equal("-1 -1 -1 0 1 2 -1 -1", Col(d, l => l.SuccessorPos));
    }

    [Theory]
    [InlineData("successor.count", "two", "four", "five", "does not follow")]     // a gap
    [InlineData("successor.count", "nineteen", "twenty", "one", "does not follow")] // numbers do not wrap
    [InlineData("successor.days", "Monday", "Tuesday", "May", "needs weekday")]     // wrong category
    public void Render_BadRun_ThrowsNamingTheProblem(string template, string a, string b, string c, string expected)
    {
        var t = Templates.ByName(template);
        var fills = template == "successor.count" ? new[] { new[] { "Leo" }, new[] { a, b, c } } : new[] { new[] { a, b, c } };
        var e = Assert.Throws<ArgumentException>(() => Templates.Render(t, fills));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Render_ListOfFive_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Templates.Render(Templates.ByName("bracket.list"),
            [["Tom"], ["tea", "milk", "jam", "pie", "rice"], ["park"]]));
        Assert.Contains("1-4", e.Message);
    }

    [Fact]
    public void Induction_SpanFillerRepeat_RepeatAndPredictableByHand()
    {
        var (first, repeat) = InductionTask.Segments(["fox", "Paris", "cake", "map"]);
        var filler = Templates.Render(Templates.ByName("category.lives"), [["Tom"], ["Lima"]]);
        var d = ToyDocument.Assemble([first, filler, repeat]);
        Assert.Equal("<bos> fox Paris cake map . Tom lives in Lima . fox Paris cake map . <eos>", d.Text);
        //                <bos> fox Paris cake map . Tom lives in Lima . fox Paris cake map . <eos>
        Assert.Equal("0 0 0 0 0 0 0 0 0 0 0 1 1 1 1 0 0", Col(d, l => l.IsRepeat));
        Assert.Equal("0 0 0 0 0 0 0 0 0 0 0 1 1 1 0 0 0", Col(d, l => l.InductionPredictable));
        Assert.Equal("-1 27 27 27 27 27 1 1 1 1 1 27 27 27 27 27 -1", Col(d, l => l.Template));
    }

    [Fact]
    public void InductionSegments_SequenceWord_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => InductionTask.Segments(["fox", "Monday", "cake"]));
        Assert.Contains("'Monday' cannot fill", e.Message);
    }

    /// <summary>A whole composed document (seed 11, induction forced), read and labelled by hand: IOI sentence, the span,
    /// a category sentence, a count run, the repeat, two more sentences.</summary>
    [Fact]
    public void Document_Seed11_EveryPlantedLabelByHand()
    {
        var d = ToyWorldGenerator.Document(new Rng(11UL), 64, forceInduction: true);
        Assert.Equal("<bos> When Clara and Kate went to the church , Clara gave a letter to Kate . pasta goat cat kitchen . "
            + "the wolf is twenty years old . Tom counted one two three four five six seven eight . pasta goat cat kitchen . "
            + "the honey from Delhi was grey . Bob ( from Madrid ) likes pizza . <eos>", d.Text);
        var roles = new Dictionary<int, IoiRole> { [2] = IoiRole.S1, [4] = IoiRole.IO, [10] = IoiRole.S2, [14] = IoiRole.End, [15] = IoiRole.Answer };
        for (int i = 0; i < d.Count; i++)
        {
            var l = d.Labels[i];
            Assert.Equal(roles.GetValueOrDefault(i, IoiRole.None), l.Ioi);
            Assert.Equal(i is >= 40 and <= 43, l.IsRepeat);
            Assert.Equal(i is >= 40 and <= 42, l.InductionPredictable);
            Assert.Equal(i is >= 31 and <= 38 ? i - 31 : -1, l.SuccessorPos);
            Assert.Equal(i is >= 53 and <= 55 ? 1 : 0, l.BracketDepth);
            Assert.False(l.InQuote);
            int template = i switch { 0 or 60 => -1, <= 16 => 22, <= 21 => 27, <= 28 => 5, <= 39 => 19, <= 44 => 27, <= 51 => 8, _ => 14 };
            Assert.Equal(template, l.Template);
        }
    }

    [Fact]
    public void Assemble_UnclosedBracket_Throws()
    {
        var s = new Segment(0).Add("the").Add("(").Add("cat");
        var e = Assert.Throws<InvalidOperationException>(() => ToyDocument.Assemble([s]));
        Assert.Contains("bracket depth 1", e.Message);
    }

    [Fact]
    public void SegmentAdd_UnknownWord_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Segment(0).Add("unicorn"));
        Assert.Contains("'unicorn'", e.Message);
    }
}

// Hypothesis records: verdicts from the numbers and thresholds, the JSON round trip (field for field), the SQLite store
// (save, get, list with filters, immutability, a foreign file refused) and unknown JSON keys named with the nearest one.
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Hypotheses;

public class HypothesisTests
{
    private static CircuitTest Test(double full, double empty, double only, double removed, int size = 2)
    {
        var nodes = NodeUniverse.Heads(TinyConfig(2)).Nodes.Take(size).ToArray();
        return new CircuitTest(Circuit.Of("heads", nodes), size, 4, "logit_diff", "logits", 10, full, empty, only, removed,
            CircuitTest.FaithfulnessOf(full, empty, only), CircuitTest.CompletenessOf(full, empty, removed), new Interval(0.7, 0.9), null,
            new AblationAccuracy(1, 0.5, 0.9, 0.5), "mean", null);
    }

    [Theory]
    [InlineData(10, 0, 9, 1, Verdict.Supported)]     // F 0.9, K 0.9
    [InlineData(10, 0, 4, 1, Verdict.Refuted)]       // F 0.4 < 0.5
    [InlineData(10, 0, 9, 6, Verdict.Refuted)]       // K 0.4 < 0.5
    [InlineData(10, 0, 7, 1, Verdict.Inconclusive)]  // F 0.7: between 0.5 and 0.8
    [InlineData(10, 10, 7, 1, Verdict.Inconclusive)] // no gap: undefined
    public void Decide_Thresholds(double full, double empty, double only, double removed, Verdict expected)
    {
        var v = Verdicts.Decide(Test(full, empty, only, removed));
        Assert.Equal(expected, v.Verdict);
        Assert.False(string.IsNullOrWhiteSpace(v.Reason));
        Assert.Equal(new VerdictThresholds(), v.Thresholds);
    }

    [Fact]
    public void Decide_StricterThresholds_ChangeTheVerdict() =>
        Assert.Equal(Verdict.Inconclusive, Verdicts.Decide(Test(10, 0, 9, 1), new VerdictThresholds(SupportFaithfulness: 0.95)).Verdict);

    internal static Hypothesis Sample(string claim = "L0.H0 and L0.H1 copy the name", DateTimeOffset? created = null)
    {
        var test = Test(10, 1, 9, 2);
        var nodes = test.Circuit.Nodes;
        var scores = nodes.Select((n, i) => NodeScore.Of(n, 3.5 - i, 3.2 - i)).ToList();
        var circuit = test.Circuit.WithEdges(new[] { new CircuitEdge(nodes[0].Id, nodes[1].Id, 0.25) });
        return new Hypothesis("hyp-0123456789abcdef", claim, circuit,
            new PromptSetRef("ioi", 10, "logit_diff", "logits", "toy world ioi, seed 1", new PairExample("a b c", "a x c", "d", "e")),
            new HypothesisEvidence("atp", new MetricBaseline("logit_diff", "logits", 10, 9.5, 0.5), scores, 0.93, test),
            Verdicts.Decide(test), new Provenance("evals/models/toy-small", Array.Empty<string>(), "greedy", "interp circuit", created ?? new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), "circuit --task ioi"));
    }

    [Fact]
    public void Json_RoundTrip_KeepsEveryField()
    {
        var h = Sample();
        var json = CircuitJson.Serialize(h);
        var back = CircuitJson.Deserialize<Hypothesis>(json, "test");
        Assert.Equal(json, CircuitJson.Serialize(back));
        Assert.Equal(h.Circuit.Nodes, back.Circuit.Nodes);
        Assert.Equal(h.Circuit.Edges, back.Circuit.Edges);
        Assert.Equal(h.Verdict.Verdict, back.Verdict.Verdict);
        Assert.Equal(h.Evidence.Ablation.Faithfulness, back.Evidence.Ablation.Faithfulness);
        Assert.Equal(h.Provenance.Created, back.Provenance.Created);
        Assert.Contains("\"verdict\": \"supported\"", json);
        Assert.Contains("\"kind\": \"head\"", json);
        Assert.Contains("\"faithfulness_ci95\"", json);
    }

    [Fact]
    public void Json_UnknownKey_NamesTheNearestKnownOne()
    {
        var json = CircuitJson.Serialize(Sample()).Replace("\"claim\":", "\"claims\":");
        var e = Assert.Throws<InvalidDataException>(() => CircuitJson.Deserialize<Hypothesis>(json, "h.json"));
        Assert.Contains("'claims'", e.Message);
        Assert.Contains("did you mean 'claim'", e.Message);
        Assert.StartsWith("h.json:", e.Message);
    }

    [Fact]
    public void Store_SaveGetList_RoundTripsAndFilters()
    {
        using var tmp = new TempDir();
        var path = tmp.File("hyp.db");
        var a = Sample();
        var b = Sample("another claim", new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero)) with { Id = "hyp-b" };
        var refuted = b with { Id = "hyp-c", Verdict = b.Verdict with { Verdict = Verdict.Refuted } };
        using (var st = new HypothesisStore(path)) { st.Save(a); st.Save(b); st.Save(refuted); }
        using (var st = new HypothesisStore(path))                               // reopened: the rows are on disk
        {
            Assert.Equal(3, st.Count());
            var got = st.Get(a.Id)!;
            Assert.Equal(CircuitJson.Serialize(a), CircuitJson.Serialize(got));
            Assert.Null(st.Get("hyp-missing"));
            var list = st.List();
            Assert.Equal(new[] { "hyp-b", "hyp-c", a.Id }, list.Select(r => r.Id).ToArray());   // newest first, then by id
            Assert.Equal(0.888889, list[2].Faithfulness!.Value, 5);
            Assert.Equal(new[] { "hyp-c" }, st.List(verdict: Verdict.Refuted).Select(r => r.Id).ToArray());
            Assert.Equal(3, st.List(model: "evals/models/toy-small", task: "ioi").Count);
            Assert.Empty(st.List(task: "induction"));
            var dup = Assert.Throws<ArgumentException>(() => st.Save(a));
            Assert.Contains("already", dup.Message);
            Assert.Equal(3, st.Count());
        }
    }

    [Fact]
    public void Store_NotASqliteFile_IsAClearErrorAndTheFileIsUntouched()
    {
        using var tmp = new TempDir();
        var path = tmp.File("notes.db");
        File.WriteAllText(path, "these are my notes, not a database\n");
        var e = Assert.ThrowsAny<Exception>(() => { using var st = new HypothesisStore(path); });
        Assert.True(e is InvalidDataException, $"{e.GetType().Name}: {e.Message}");
        Assert.Equal("these are my notes, not a database\n", File.ReadAllText(path));
    }
}

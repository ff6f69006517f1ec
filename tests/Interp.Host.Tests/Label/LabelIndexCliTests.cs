// `interp index --run run.db` and `interp label ... --index ix.db` as a person runs them (the built executable, real
// files): a labeling run's FeatureRecords go into the embedded index with their SAE's decoder directions (the run's SAE
// folder by default), re-indexing adds nothing, and `interp search` then finds them by label text and by direction
// (checked against a brute-force cosine over the SAE's W_dec rows of the indexed features) and by run id.
using System.Text.Json;
using Interp.Agent.Labeling.Store;
using Interp.Dictionaries.Analysis;
using Interp.Index.Records;

namespace Interp.Host.Tests.Label;

[Collection(LabelCliCollection.Name)]
public sealed class LabelIndexCliTests(LabelCliFixture fx)
{
    private string[] Label(string outPath, params string[] more) =>
        ["label", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--cache", fx.CachePath, "--features", "0-39",
         "--resamples", "200", "--report", "none", "--rows", "3", "--out", outPath, .. more];

    private static IReadOnlyList<FeatureRecord> Records(string run)
    {
        using var s = RunStore.OpenRead(run);
        return s.ReadRecords();
    }

    /// <summary>A labeled record whose label no other record of the run has.</summary>
    private static FeatureRecord UniquelyLabeled(IReadOnlyList<FeatureRecord> records)
    {
        var counts = records.Where(r => r.Explanations.Count > 0).GroupBy(r => r.Explanations[0].Text).ToDictionary(g => g.Key, g => g.Count());
        return records.First(r => r.Explanations.Count > 0 && counts[r.Explanations[0].Text] == 1);
    }

    private static double Cos(float[] a, float[] b) =>
        a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));

    /// <summary>Search by the label's own text finds its feature first; search by its direction gives the brute-force
    /// cosine order over the indexed features.</summary>
    private static void AssertFindable(string index, IReadOnlyList<FeatureRecord> records)
    {
        var target = UniquelyLabeled(records);
        string label = target.Explanations[0].Text;
        var (code, stdout, err) = LabelCliFixture.Run("search", "--text", label, "--index", index, "--top", "3", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var first = doc.RootElement.EnumerateArray().First().GetProperty("record");
            Assert.Equal(target.Feature, first.GetProperty("feature").GetInt32());
            Assert.Equal(label, first.GetProperty("explanations")[0].GetProperty("text").GetString());
        }

        (code, stdout, err) = LabelCliFixture.Run("search", "--feature", target.Feature.ToString(), "--sae", LabelCliFixture.SaeDir, "--index", index, "--top", "4", "--json");
        Assert.True(code == 0, err);
        var d = DecoderDirections.Load(LabelCliFixture.SaeDir);
        var expected = records.Select(r => r.Feature).Where(f => f != target.Feature)
            .OrderByDescending(f => Cos(d.Row(target.Feature)!, d.Row(f)!)).Take(4).ToList();
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(target.Feature, doc.RootElement.GetProperty("record").GetProperty("feature").GetInt32());
            var got = doc.RootElement.GetProperty("neighbours").EnumerateArray().ToList();
            Assert.Equal(expected, got.Select(h => h.GetProperty("record").GetProperty("feature").GetInt32()));
            Assert.True(Math.Abs(Cos(d.Row(target.Feature)!, d.Row(expected[0])!) - got[0].GetProperty("score").GetDouble()) < 1e-5);
        }
    }

    [Fact]
    public void IndexRun_OfflineRun_RecordsWithDirections_FoundByLabelAndDirection_ReindexAddsNothing()
    {
        string run = fx.File("ix-run.db"), index = fx.File("ix-run.index.db");
        var (code, _, err) = LabelCliFixture.Run(Label(run));
        Assert.True(code == 0, err);
        var records = Records(run);
        Assert.Equal(40, records.Count);
        int labeled = records.Count(r => r.Explanations.Count > 0);
        Assert.True(labeled >= 10, $"only {labeled} of 40 features labeled");

        (code, var stdout, err) = LabelCliFixture.Run("index", "--run", run, "--index", index, "--json");   // no --sae: the run's SAE folder
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var s = doc.RootElement;
            Assert.Equal((40, labeled, 40, 0, 40), (s.GetProperty("records").GetInt32(), s.GetProperty("labeled").GetInt32(),
                s.GetProperty("with_decoder").GetInt32(), s.GetProperty("without_decoder").GetInt32(), s.GetProperty("total").GetInt32()));
        }
        AssertFindable(index, records);

        // again: replaced, not duplicated
        (code, stdout, err) = LabelCliFixture.Run("index", "--run", run, "--index", index);
        Assert.True(code == 0, err);
        Assert.Contains("it now holds 40 features", stdout);

        // the run id filter finds the run's features, another id none
        string runId = records[0].Provenance.RunId;
        (code, stdout, err) = LabelCliFixture.Run("search", "--text", UniquelyLabeled(records).Explanations[0].Text, "--index", index, "--run", runId, "--top", "50", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(stdout)) Assert.Equal(labeled, doc.RootElement.GetArrayLength());
        (code, stdout, _) = LabelCliFixture.Run("search", "--text", "anything", "--index", index, "--run", "no-such-run");
        Assert.Equal(0, code);
        Assert.Contains("no matching features", stdout);
    }

    [Fact]
    public void LabelWithIndex_LabelsThenIndexesInOneGo_SameAsIndexRunAfterwards()
    {
        string run = fx.File("ix-label.db"), index = fx.File("ix-label.index.db");
        var (code, stdout, err) = LabelCliFixture.Run(Label(run, "--index", index));
        Assert.True(code == 0, err);
        var records = Records(run);
        Assert.Equal(40, records.Count);
        int labeled = records.Count(r => r.Explanations.Count > 0);
        Assert.Contains($"indexed 40 features ({labeled} labeled, 40 with decoder directions) into {Path.GetFullPath(index)}", stdout);
        Assert.Contains("it now holds 40 features", stdout);
        AssertFindable(index, records);

        // resuming the finished run with --index again: nothing to label, the index still holds each feature once
        (code, stdout, err) = LabelCliFixture.Run(Label(run, "--index", index));
        Assert.True(code == 0, err);
        Assert.Contains("40 already done before this run", err);
        Assert.Contains("it now holds 40 features", stdout);
    }

    [Fact]
    public void IndexRun_NotARunStore_Exit2OneClearLine_NoIndexWritten()
    {
        string junk = fx.File("ix-junk.db"), index = fx.File("ix-junk.index.db");
        File.WriteAllText(junk, "not a run store");
        foreach (var path in new[] { junk, fx.File("ix-missing.db") })
        {
            var (code, stdout, err) = LabelCliFixture.Run("index", "--run", path, "--index", index);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", err);
            Assert.Contains(Path.GetFileName(path), err);
            Assert.DoesNotContain("   at ", err);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Equal("", stdout);
            Assert.False(File.Exists(index));
        }
        Assert.Equal("not a run store", File.ReadAllText(junk));
        Assert.False(File.Exists(fx.File("ix-missing.db")));
    }
}

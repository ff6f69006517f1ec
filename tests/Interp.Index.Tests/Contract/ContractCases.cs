// The contract every IFeatureIndex obeys, written once as named cases and run on each backend (ContractTests.cs). Each
// case gets a fresh, empty index and checks answers against the brute-force Oracle.
using Interp.Index.Tests.Support;

namespace Interp.Index.Tests.Contract;

public static class ContractCases
{
    public static readonly IReadOnlyDictionary<string, Func<IContractBackend, Task>> All = new Dictionary<string, Func<IContractBackend, Task>>
    {
        ["Upsert_NewIndex_CountsEveryRecord"] = Upsert_NewIndex_CountsEveryRecord,
        ["Upsert_SameRecordsTwice_NoDuplicatesLatestWins"] = Upsert_SameRecordsTwice_NoDuplicatesLatestWins,
        ["Get_Keys_StoredRecordsInOrderAskedMissingSkipped"] = Get_Keys_StoredRecordsInOrderAskedMissingSkipped,
        ["Count_EachFilter_MatchesOracle"] = Count_EachFilter_MatchesOracle,
        ["SearchByText_EachFilter_OracleRanking"] = SearchByText_EachFilter_OracleRanking,
        ["SearchByVector_DecoderEachFilter_OracleRanking"] = SearchByVector_DecoderEachFilter_OracleRanking,
        ["SearchByVector_ExcludeSelf_NeighboursWithoutIt"] = SearchByVector_ExcludeSelf_NeighboursWithoutIt,
        ["Search_Offset_PagesJoinToOneLongerQuery"] = Search_Offset_PagesJoinToOneLongerQuery,
        ["List_Pages_EveryMatchOnceInIdOrder"] = List_Pages_EveryMatchOnceInIdOrder,
        ["Delete_Keys_GoneFromCountGetAndSearch"] = Delete_Keys_GoneFromCountGetAndSearch,
        ["Delete_Filter_RemovesOnlyMatches"] = Delete_Filter_RemovesOnlyMatches,
        ["GetVector_Decoder_UnitLengthInput"] = GetVector_Decoder_UnitLengthInput,
        ["Upsert_WrongDimensionDecoder_RejectedNothingWritten"] = Upsert_WrongDimensionDecoder_RejectedNothingWritten,
        ["Upsert_NaNInDecoder_RejectedNothingWritten"] = Upsert_NaNInDecoder_RejectedNothingWritten,
        ["Upsert_OtherDIn_ClearError"] = Upsert_OtherDIn_ClearError,
        ["Upsert_FeatureOutOfRange_Rejected"] = Upsert_FeatureOutOfRange_Rejected,
        ["SearchByVector_WrongDimensionOrNaN_ClearError"] = SearchByVector_WrongDimensionOrNaN_ClearError,
        ["Open_OtherEmbedder_ClearError"] = Open_OtherEmbedder_ClearError,
        ["Search_EmptyIndex_NoHits"] = Search_EmptyIndex_NoHits,
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    private static readonly string[] Queries = ["months of the year", "brackets", "names of people", "cats and dogs often", "red"];

    private static async Task<(IFeatureIndex Index, List<IndexedFeature> Data)> Filled(IContractBackend b, int batch = 10)
    {
        var index = await b.OpenAsync(new BagOfWordsEmbedder(), new FeatureIndexSettings { UpsertBatch = batch, EmbedBatch = 7 });
        var data = TestRecords.Set();
        var s = await index.UpsertAsync(data);
        Assert.Equal(new UpsertSummary(48, data.Count(d => d.Record.IsLabeled), data.Count(d => d.Decoder is not null)), s);
        return (index, data);
    }

    private static async Task Upsert_NewIndex_CountsEveryRecord(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        Assert.Equal(48, await index.CountAsync());
        Assert.Equal(TestRecords.DIn, index.Info.DecoderDim);
    }

    private static async Task Upsert_SameRecordsTwice_NoDuplicatesLatestWins(IContractBackend b)
    {
        var (index, data) = await Filled(b, batch: 16);
        await using var _ = index;
        var changed = data.Select(d => d with { Record = d.Record with { Explanations = d.Record.IsLabeled
            ? [d.Record.Explanations[0] with { Text = "rewritten " + d.Record.Explanations[0].Text }] : [] } }).ToList();
        await index.UpsertAsync(changed);
        await index.UpsertAsync(changed.Take(5).Concat(changed.Take(5)).ToList());   // the same key twice in one call: one point
        Assert.Equal(48, await index.CountAsync());
        var back = await index.GetAsync([data[0].Key]);
        Assert.StartsWith("rewritten ", back.Single().Explanations[0].Text);
        var hits = await index.SearchByTextAsync("rewritten", top: 48);
        Assert.Equal(data.Count(d => d.Record.IsLabeled), hits.Select(h => h.Key).Distinct().Count());
    }

    private static async Task Get_Keys_StoredRecordsInOrderAskedMissingSkipped(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var keys = new[] { data[9].Key, new FeatureKey("missing", 3), data[2].Key, data[40].Key };
        var got = await index.GetAsync(keys);
        Assert.Equal([data[9].Key, data[2].Key, data[40].Key], got.Select(r => new FeatureKey(r.Sae.Id, r.Feature)).ToArray());
        Assert.Equal(Interp.Index.Records.FeatureRecordJson.Serialize(data[2].Record), Interp.Index.Records.FeatureRecordJson.Serialize(got[1]));
    }

    private static async Task Count_EachFilter_MatchesOracle(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        foreach (var (name, filter, pass) in Oracle.Filters)
            Assert.True(data.Count(d => pass(d.Record)) == await index.CountAsync(filter), $"count with filter {name}");
    }

    private static async Task SearchByText_EachFilter_OracleRanking(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        foreach (var q in Queries)
            foreach (var (name, filter, pass) in Oracle.Filters)
            {
                var hits = await index.SearchByTextAsync(q, filter, top: 5);
                var qv = BagOfWordsEmbedder.Embed(q);
                Oracle.AssertRanking(Oracle.Rank(data, VectorKind.Explanation, qv, pass, 5), hits, b.DeterministicTies, data, VectorKind.Explanation, qv, pass,
                    $"text '{q}' filter {name}");
                Assert.All(hits, h => Assert.True(h.Record.IsLabeled));
            }
    }

    private static async Task SearchByVector_DecoderEachFilter_OracleRanking(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var rng = new Random(11);
        for (int t = 0; t < 4; t++)
        {
            var qv = TestRecords.Gaussian(rng, TestRecords.DIn);
            foreach (var (name, filter, pass) in Oracle.Filters)
            {
                var hits = await index.SearchByVectorAsync(VectorKind.Decoder, qv, filter, top: 7);
                Oracle.AssertRanking(Oracle.Rank(data, VectorKind.Decoder, qv, pass, 7), hits, b.DeterministicTies, data, VectorKind.Decoder, qv, pass,
                    $"decoder query {t} filter {name}");
            }
        }
    }

    private static async Task SearchByVector_ExcludeSelf_NeighboursWithoutIt(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var self = data[3];
        var stored = await index.GetVectorAsync(self.Key, VectorKind.Decoder);
        Assert.NotNull(stored);
        var withSelf = await index.SearchByVectorAsync(VectorKind.Decoder, stored!, top: 4);
        Assert.Equal(self.Key, withSelf[0].Key);
        Assert.True(Math.Abs(withSelf[0].Score - 1) < Oracle.ScoreTolerance, $"self-similarity {withSelf[0].Score}");
        var hits = await index.SearchByVectorAsync(VectorKind.Decoder, stored!, new FeatureFilter { Exclude = [self.Key] }, top: 3);
        Assert.Equal(withSelf.Skip(1).Select(h => h.Key), hits.Select(h => h.Key));
    }

    private static async Task Search_Offset_PagesJoinToOneLongerQuery(IContractBackend b)
    {
        var (index, _) = await Filled(b);
        await using var __ = index;
        var q = TestRecords.Gaussian(new Random(5), TestRecords.DIn);
        var whole = await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 12);
        var p1 = await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 5);
        var p2 = await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 5, offset: 5);
        var p3 = await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 2, offset: 10);
        Assert.Empty(await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 5, offset: 48));
        Assert.Equal(2, p3.Count);
        Assert.Equal(whole.Select(h => h.Key), p1.Concat(p2).Concat(p3).Select(h => h.Key));
        var text = await index.SearchByTextAsync("numbers", top: 4, offset: 2);
        Assert.Equal((await index.SearchByTextAsync("numbers", top: 6)).Skip(2).Select(h => h.Key), text.Select(h => h.Key));
    }

    private static async Task List_Pages_EveryMatchOnceInIdOrder(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        foreach (var (name, filter, pass) in Oracle.Filters)
        {
            var seen = new List<FeatureKey>();
            string? cursor = null;
            int pages = 0;
            do
            {
                var page = await index.ListAsync(filter, limit: 7, cursor: cursor);
                Assert.True(page.Items.Count <= 7);
                seen.AddRange(page.Items.Select(r => new FeatureKey(r.Sae.Id, r.Feature)));
                cursor = page.Next;
                Assert.True(++pages <= 10, "paging does not end");
            } while (cursor is not null);
            var expected = data.Where(d => pass(d.Record)).Select(d => d.Key).OrderBy(k => FeaturePointId.Text(k.PointId), StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(seen), $"list with filter {name}: {seen.Count} seen, {expected.Count} expected");
        }
    }

    private static async Task Delete_Keys_GoneFromCountGetAndSearch(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var q = data[0].Decoder!;
        var first = await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 3);
        await index.DeleteAsync([first[0].Key, first[1].Key, new FeatureKey("missing", 1)]);
        Assert.Equal(46, await index.CountAsync());
        Assert.Empty(await index.GetAsync([first[0].Key, first[1].Key]));
        var after = await index.SearchByVectorAsync(VectorKind.Decoder, q, top: 1);
        Assert.Equal(first[2].Key, after[0].Key);
        await index.DeleteAsync([first[0].Key]);   // deleting again is a no-op
        Assert.Equal(46, await index.CountAsync());
    }

    private static async Task Delete_Filter_RemovesOnlyMatches(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        await index.DeleteAsync(new FeatureFilter { RunId = "run-2", SaeId = TestRecords.SaeB.Id });
        Assert.Equal(0, await index.CountAsync(new FeatureFilter { RunId = "run-2", SaeId = TestRecords.SaeB.Id }));
        Assert.Equal(data.Count(d => !(d.Record.Provenance.RunId == "run-2" && d.Record.Sae.Id == TestRecords.SaeB.Id)), await index.CountAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => index.DeleteAsync(FeatureFilter.None));
        Assert.True(await index.CountAsync() > 0);
    }

    private static async Task GetVector_Decoder_UnitLengthInput(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var v = await index.GetVectorAsync(data[5].Key, VectorKind.Decoder);
        var unit = Oracle.Unit(data[5].Decoder!);
        Assert.NotNull(v);
        for (int i = 0; i < unit.Length; i++) Assert.True(Math.Abs(unit[i] - v![i]) < 1e-6, $"[{i}] {v[i]} vs {unit[i]}");
        Assert.Null(await index.GetVectorAsync(data[6].Key, VectorKind.Decoder));        // every 7th has no decoder
        Assert.Null(await index.GetVectorAsync(data[4].Key, VectorKind.Explanation));    // every 5th is unlabeled
        Assert.Null(await index.GetVectorAsync(new FeatureKey("missing", 0), VectorKind.Decoder));
    }

    private static async Task Upsert_WrongDimensionDecoder_RejectedNothingWritten(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var extra = new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 60, "new thing", 0.5), new float[TestRecords.DIn]);
        extra = extra with { Decoder = new float[TestRecords.DIn + 1] };
        extra.Decoder![0] = 1;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync([new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 61, "ok", 0.5)), extra]));
        Assert.Contains("17 floats", e.Message);
        Assert.Equal(48, await index.CountAsync());
    }

    private static async Task Upsert_NaNInDecoder_RejectedNothingWritten(IContractBackend b)
    {
        var (index, data) = await Filled(b);
        await using var _ = index;
        var v = TestRecords.Gaussian(new Random(1), TestRecords.DIn);
        v[3] = float.NaN;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync([new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 61, "ok", 0.5)),
            new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 62, "nan", 0.5), v)]));
        Assert.Contains("NaN at [3]", e.Message);
        var zero = new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 63, "zero", 0.5), new float[TestRecords.DIn]);
        Assert.Contains("all zeros", (await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync([zero]))).Message);
        Assert.Equal(48, await index.CountAsync());
    }

    private static async Task Upsert_OtherDIn_ClearError(IContractBackend b)
    {
        var (index, _) = await Filled(b);
        await using var __ = index;
        var wide = TestRecords.SaeA with { Id = "c2c2", DIn = 32 };
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => index.UpsertAsync([new IndexedFeature(TestRecords.Record(wide, 1, "x", 0.5))]));
        Assert.Contains("d_in 16", e.Message);
        Assert.Equal(48, await index.CountAsync());
    }

    private static async Task Upsert_FeatureOutOfRange_Rejected(IContractBackend b)
    {
        await using var index = await b.OpenAsync(new BagOfWordsEmbedder());
        var e = await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync([new IndexedFeature(TestRecords.Record(TestRecords.SaeA, TestRecords.DSae, "x", 0.5))]));
        Assert.Contains("d_sae 128", e.Message);
        var nanScore = new IndexedFeature(TestRecords.Record(TestRecords.SaeA, 1, "x", double.NaN));
        Assert.Contains("non-finite headline score", (await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync([nanScore]))).Message);
        Assert.Equal(0, await index.CountAsync());
    }

    private static async Task SearchByVector_WrongDimensionOrNaN_ClearError(IContractBackend b)
    {
        var (index, _) = await Filled(b);
        await using var __ = index;
        Assert.Contains("expects 16", (await Assert.ThrowsAsync<ArgumentException>(() => index.SearchByVectorAsync(VectorKind.Decoder, new float[8]))).Message);
        Assert.Contains("expects 64", (await Assert.ThrowsAsync<ArgumentException>(() => index.SearchByVectorAsync(VectorKind.Explanation, new float[16]))).Message);
        var nan = TestRecords.Gaussian(new Random(2), TestRecords.DIn);
        nan[0] = float.NaN;
        Assert.Contains("NaN", (await Assert.ThrowsAsync<ArgumentException>(() => index.SearchByVectorAsync(VectorKind.Decoder, nan))).Message);
        await Assert.ThrowsAsync<ArgumentException>(() => index.SearchByTextAsync("  "));
        await Assert.ThrowsAsync<ArgumentException>(() => index.SearchByTextAsync("x", top: 0));
        await Assert.ThrowsAsync<ArgumentException>(() => index.CountAsync(new FeatureFilter { MinScore = 0.9, MaxScore = 0.1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => index.ListAsync(cursor: "not-a-cursor"));
    }

    private static async Task Open_OtherEmbedder_ClearError(IContractBackend b)
    {
        var (index, _) = await Filled(b);
        await index.DisposeAsync();
        var e = await Assert.ThrowsAsync<FeatureIndexException>(() => b.OpenAsync(new BagOfWordsEmbedder("other-model", 64)));
        Assert.Contains("other-model", e.Message);
        Assert.Contains(BagOfWordsEmbedder.DefaultModelId, e.Message);
        e = await Assert.ThrowsAsync<FeatureIndexException>(() => b.OpenAsync(new BagOfWordsEmbedder(BagOfWordsEmbedder.DefaultModelId, 32)));
        Assert.Contains("32-d", e.Message);
        await using var again = await b.OpenAsync(new BagOfWordsEmbedder());   // the same embedder still opens it, with its data
        Assert.Equal(48, await again.CountAsync());
    }

    private static async Task Search_EmptyIndex_NoHits(IContractBackend b)
    {
        await using var index = await b.OpenAsync(new BagOfWordsEmbedder());
        Assert.Empty(await index.SearchByTextAsync("anything"));
        Assert.Empty(await index.SearchByVectorAsync(VectorKind.Decoder, new float[TestRecords.DIn]));
        Assert.Equal(0, await index.CountAsync());
        Assert.Empty((await index.ListAsync()).Items);
        Assert.Empty(await index.GetAsync([new FeatureKey("x", 1)]));
        Assert.Null(index.Info.DecoderDim);
    }
}

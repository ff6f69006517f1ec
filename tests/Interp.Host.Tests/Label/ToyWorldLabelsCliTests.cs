// `interp toyworld labels` as a person runs it (the built executable, real files), on a small slice of the shipped toy
// world: offline, the table and labels.json it writes agree with each other and the word categories' fires-on lists name
// their category; with `--explainer llm` against the scripted stand-in (ToyStandInScript, over loopback HTTP) the labels
// come back through the real prompts, HTTP, parsers, run store and record, and name the categories the script recognises.
using System.Text.Json;
using System.Text.RegularExpressions;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.Labeling.Store;
using Interp.Agent.StandIn;

namespace Interp.Host.Tests.Label;

[Collection(LabelCliCollection.Name)]
public sealed class ToyWorldLabelsCliTests(LabelCliFixture fx)
{
    private static string[] Args(string outDir, params string[] more) =>
        ["toyworld", "labels", "--model", LabelCliFixture.ModelDir, "--sae", LabelCliFixture.SaeDir, "--world", Path.Combine(LabelCliFixture.Root, "evals", "worlds", "toy-v1"),
         "--docs", "500", "--cache-docs", "500", "--out", outDir, .. more];

    private sealed record Kind(int Named, int Concepts);

    private static Dictionary<string, Kind> ByKind(JsonElement doc, string name) =>
        doc.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => new Kind(p.Value.GetProperty("named").GetInt32(), p.Value.GetProperty("concepts").GetInt32()));

    /// <summary>The table's "kind named n/total (fires-on list alone: m/total)" lines agree with labels.json.</summary>
    private static void AssertTableMatchesJson(string stdout, JsonElement doc)
    {
        var named = ByKind(doc, "by_kind");
        var firesOn = ByKind(doc, "by_kind_fires_on");
        Assert.Equal(["category", "delimiter", "relational"], named.Keys.Order());
        foreach (var (kind, k) in named)
            Assert.Matches(new Regex($@"(?m)^{kind}\s+named {k.Named}/{k.Concepts} \(fires-on list alone: {firesOn[kind].Named}/{k.Concepts}\)$"), stdout);
        foreach (var c in doc.GetProperty("concepts").EnumerateArray())
            Assert.Contains(c.GetProperty("concept").GetString()!, stdout);
    }

    [Fact]
    public void ToyWorldLabels_Offline_TableAndJsonAgree_CategoriesListed_RelationsNot()
    {
        string outDir = fx.File("tw-offline");
        var (code, stdout, err) = LabelCliFixture.Run(Args(outDir));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "labels.json")));
        var root = doc.RootElement;
        AssertTableMatchesJson(stdout, root);
        var named = ByKind(root, "by_kind");
        var firesOn = ByKind(root, "by_kind_fires_on");
        Assert.Equal((10, 2, 7), (named["category"].Concepts, named["delimiter"].Concepts, named["relational"].Concepts));
        Assert.True(firesOn["category"].Named >= 9, $"only {firesOn["category"].Named}/10 category labels list their category");
        Assert.Equal(2, named["delimiter"].Named);
        Assert.Equal(0, named["relational"].Named);
        Assert.All(root.GetProperty("concepts").EnumerateArray().Where(c => c.GetProperty("label").ValueKind == JsonValueKind.String),
            c => Assert.StartsWith("offline description: ", c.GetProperty("label").GetString()));
        using var store = RunStore.OpenRead(root.GetProperty("run_store").GetString()!);
        Assert.Equal("offline", store.Manifest.Explainer);
    }

    [Fact]
    public async Task ToyWorldLabels_LlmAgainstScriptedStandIn_CategoriesNamedThroughTheLlmPath()
    {
        await using var server = await StandInServer.StartAsync(StandInScript.Parse(ToyStandInScript.Build()));
        string config = fx.File("tw-llm.appsettings.json");
        var roles = new[] { "explainer", "simulator", "judge" }.ToDictionary(r => r, _ => new { endpoint = "stand", model = "stand-in" });
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Llm = new { store_path = fx.File("tw-llm.llm.db"), endpoints = new { stand = new { base_url = server.BaseUrl.ToString(), request_timeout_s = 60 } }, roles },
        }));
        string outDir = fx.File("tw-llm");

        var (code, stdout, err) = LabelCliFixture.Run(Args(outDir, "--explainer", "llm", "--config", config));

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "labels.json")));
        var root = doc.RootElement;
        AssertTableMatchesJson(stdout, root);
        var named = ByKind(root, "by_kind");
        Assert.True(named["category"].Named >= 8, $"only {named["category"].Named}/10 category features named through the LLM path");
        Assert.Equal(0, named["relational"].Named);
        // every label is one the script wrote, and a category concept is named exactly when its label is its own category's
        foreach (var c in root.GetProperty("concepts").EnumerateArray().Where(c => c.GetProperty("label").ValueKind == JsonValueKind.String))
        {
            string label = c.GetProperty("label").GetString()!, concept = c.GetProperty("concept").GetString()!;
            Assert.True(label.EndsWith(" words", StringComparison.Ordinal) || label == ToyStandInScript.Unclear, label);
            if (concept.StartsWith("category:", StringComparison.Ordinal))
                Assert.Equal(label == concept["category:".Length..] + " words", c.GetProperty("named").GetBoolean());
        }
        Assert.Contains(server.Requests, q => q.Rule?.StartsWith("explain-", StringComparison.Ordinal) == true && q.Rule != "explain-other");
        Assert.Contains(server.Requests, q => q.Rule?.StartsWith("simulate-", StringComparison.Ordinal) == true);
        using var store = RunStore.OpenRead(root.GetProperty("run_store").GetString()!);
        Assert.Equal("llm", store.Manifest.Explainer);
        Assert.Equal("stand-in", store.Manifest.LlmModel);
    }
}

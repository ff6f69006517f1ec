// A server whose toy SAE has a latent cache (built through a cache_build job, the path a user takes) and an index of
// hand-written FeatureRecords for features 0..63 (test data: texts chosen so a search has known answers; not labels
// any explainer produced).
using System.Text.Json;
using Interp.Dictionaries.Analysis;
using Interp.Index.Records;

namespace Interp.Serve.Tests;

public sealed class LabeledServerFixture : IAsyncLifetime
{
    private sealed class WithLlm(Func<string> url) : ServerFixture
    {
        // 20 ms after each progress report (Worker.step_pause_ms): a job's live progress is seen part-way on any machine
        public override string Config() => ServeTestEnv.WriteConfig(Dir, o => o["Worker"]!["step_pause_ms"] = 20, llmBaseUrl: url());
    }

    private Interp.Agent.StandIn.StandInServer? _llm;
    public ServerFixture Server { get; }
    public Interp.Agent.StandIn.StandInServer Llm => _llm!;

    public LabeledServerFixture() => Server = new WithLlm(() => _llm!.BaseUrl.ToString());

    /// <summary>The stand-in's script: a question makes the agent call tokenize once, then answer.</summary>
    public const string ChatScript = """
        { "rules": [
          { "name": "look", "when": { "path": "chat", "last_role": "user" }, "reply": { "tool_calls": [ { "name": "tokenize", "arguments": { "text": "Anna gave the ball to Ben" } } ] } },
          { "name": "answer", "when": { "path": "chat" }, "reply": { "content": "Those are the tokens of the sentence." } } ] }
        """;
    public static readonly string[] Topics = ["names of people", "numbers and counting", "colours of things", "places and cities", "animals in the farm", "weather and rain", "food and cooking", "days of the week"];

    public async Task InitializeAsync()
    {
        _llm = await Interp.Agent.StandIn.StandInServer.StartAsync(Interp.Agent.StandIn.StandInScript.Parse(ChatScript));
        await Server.InitializeAsync();
        string ids = Path.Combine(Server.Dir, "ids.json");
        using (var doc = JsonDocument.Parse(File.ReadAllText(ServeTestEnv.ToyIds)))
        {
            var flat = doc.RootElement.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetInt32()).Take(64 * 96).ToArray();
            File.WriteAllText(ids, JsonSerializer.Serialize(new[] { flat }));
        }
        var job = await Server.SubmitAsync("cache_build", new { sae = ServeTestEnv.Sae, ids, context = 64, batch = 8 });
        var done = await Server.WaitJobAsync(job.GetProperty("id").GetInt64(), TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());

        string saeDir = Path.Combine(ServeTestEnv.RepoRoot, "evals/saes/toy-small-resid2-topk");
        var sae = new SaeIdentity(DecoderDirections.Fingerprint(saeDir), "toy-small-resid2-topk", "blocks.2.hook_resid_post", 2, 128, 1024, "topk");
        string records = Path.Combine(Server.Dir, "records.jsonl");
        File.WriteAllLines(records, Enumerable.Range(0, 64).Select(i => FeatureRecordJson.Serialize(new FeatureRecord
        {
            Sae = sae, Model = new ModelIdentity("m", "toy-small", "gpt2"), Feature = i,
            Explanations = [new Explanation($"{Topics[i % Topics.Length]} (test record {i})", "offline", null, null, null, [])],
            Scores = [new Score("simulation", "test", 0.1 + 0.01 * i, 0.05 + 0.01 * i, 0.15 + 0.01 * i, 0, new Dictionary<string, double>(), [], null, null)],
            Provenance = new Provenance("test-run", DateTimeOffset.Parse("2026-12-01T00:00:00Z"), "test"),
        })));
        var ix = await Server.SubmitAsync("index", new { records });
        var ixDone = await Server.WaitJobAsync(ix.GetProperty("id").GetInt64(), TimeSpan.FromMinutes(3));
        Assert.True(ixDone.GetProperty("state").GetString() == "succeeded", ixDone.ToString());
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_llm is not null) await _llm.DisposeAsync();
    }
}

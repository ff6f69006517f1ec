// A server set up for labeling jobs: the toy SAE with its latent cache built through a cache_build job after the server
// started (so the tools session must pick it up without a restart), the stand-in LLM playing the toy world's explainer,
// simulator and judge (ToyStandInScript) on the explainer/simulator/judge roles, and two `labels` eval suites (offline
// and LLM). Before the cache exists it records what the feature_info tool said, for the test that compares.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.StandIn;

namespace Interp.Serve.Tests.Labeling;

public sealed class LabelingServerFixture : IAsyncLifetime
{
    private sealed class Server(Func<string> url) : ServerFixture
    {
        public override string Config() => ServeTestEnv.WriteConfig(Dir, llmBaseUrl: url(), edit: o =>
        {
            var roles = o["Llm"]!["roles"]!.AsObject();
            foreach (var r in new[] { "explainer", "simulator", "judge" }) roles[r] = new JsonObject { ["endpoint"] = "local", ["model"] = "stand-in" };
            o["Llm"]!["endpoints"]!["local"]!["max_concurrency"] = 8;
            o["Llm"]!["endpoints"]!["local"]!["request_timeout_s"] = 30;
            var suites = o["Schedules"]!["suites"]!.AsArray();
            suites.Add(new JsonObject { ["name"] = "toy-labels", ["kind"] = "labels", ["sae"] = ServeTestEnv.Sae, ["features"] = 12, ["seed"] = 3,
                ["scorers"] = new JsonArray("simulation"), ["resamples"] = 200 });
            suites.Add(new JsonObject { ["name"] = "toy-labels-llm", ["kind"] = "labels", ["explainer"] = "llm", ["sae"] = ServeTestEnv.Sae, ["features"] = 6, ["seed"] = 3,
                ["scorers"] = new JsonArray("simulation"), ["resamples"] = 200 });
        });
    }

    private StandInServer? _llm;
    public ServerFixture S { get; }
    public StandInServer Llm => _llm!;
    public string Healthy { get; } = ToyStandInScript.Build();
    /// <summary>feature_info of feature 0 before the cache_build job ran.</summary>
    public JsonElement ToolBeforeCache { get; private set; }

    public LabelingServerFixture() => S = new Server(() => _llm!.BaseUrl.ToString());

    public async Task InitializeAsync()
    {
        _llm = await StandInServer.StartAsync(StandInScript.Parse(Healthy));
        await S.InitializeAsync();
        ToolBeforeCache = await ToolAsync("feature_info", new { sae = ServeTestEnv.Sae, feature = 0 });
        string ids = Path.Combine(S.Dir, "ids.json");
        using (var doc = JsonDocument.Parse(File.ReadAllText(ServeTestEnv.ToyIds)))
        {
            var flat = doc.RootElement.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetInt32()).Take(64 * 96).ToArray();
            File.WriteAllText(ids, JsonSerializer.Serialize(new[] { flat }));
        }
        var job = await S.SubmitAsync("cache_build", new { sae = ServeTestEnv.Sae, ids, context = 64, batch = 8 });
        var done = await S.WaitJobAsync(job.GetProperty("id").GetInt64(), TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("state").GetString() == "succeeded", done.ToString());
    }

    public async Task<JsonElement> ToolAsync(string name, object args)
    {
        var r = await S.Admin.PostAsync($"/api/tools/{name}", new StringContent(JsonSerializer.Serialize(args), System.Text.Encoding.UTF8, "application/json"));
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task DisposeAsync()
    {
        await S.DisposeAsync();
        if (_llm is not null) await _llm.DisposeAsync();
    }
}

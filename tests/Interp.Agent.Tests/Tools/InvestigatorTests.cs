// The chat investigator against the scripted stand-in LLM (real HTTP on loopback, real tool execution): a short
// investigation (top_features → ablate_features → answer) with its tool-call transcript asserted against the
// primitives; resuming it; the planted-instruction test; the per-question tool-call limit and the conversation token
// limit; direct /call with no LLM.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Agent.Llm;
using Interp.Agent.Tests.Llm;
using Interp.Agent.Tools;
using Interp.Agent.Tools.Chat;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Interp.Agent.Tests.Tools;

[Collection(nameof(ToolCollection))]
public sealed class InvestigatorTests(ToolFixture fx)
{
    private const string Text = "And God said, Let there be light: and there was light.";
    private static readonly string Prompt = File.ReadAllText(Path.Combine(ToolFixture.Root, "prompts/chat/investigator.md"));
    private string Dir => Path.Combine(fx.Dir, "transcripts-" + Guid.NewGuid().ToString("N")[..6]);

    private static string Call(string name, object args) =>
        JsonSerializer.Serialize(new { name, arguments = JsonSerializer.SerializeToNode(args) });

    private static string Script(params string[] rules) => "{ \"rules\": [" + string.Join(",", rules) + "] }";

    private static string ToolRule(string name, string when, string call, int times = 1) =>
        $$"""{ "name": "{{name}}", "times": {{times}}, "when": {{when}}, "reply": { "tool_calls": [ {{call}} ] } }""";

    private static string AnswerRule(string content) =>
        $$"""{ "name": "answer", "when": { "path": "chat" }, "reply": { "content": {{JsonSerializer.Serialize(content)}} } }""";

    [Fact]
    public async Task ScriptedInvestigation_ToolsRunForRealAndTheTranscriptResumes()
    {
        var p = new InterpPrimitives(fx.English);
        int top = (await p.TopFeaturesAsync(Text, null, 1, "-1")).Positions[0].Features[0].Feature;
        await using var server = await LlmTestKit.Server(Script(
            ToolRule("look", """{ "path": "chat", "last_role": "user" }""", Call("top_features", new { text = Text, k = 3, positions = "-1" })),
            ToolRule("test", """{ "path": "chat", "last_role": "tool" }""", Call("ablate_features", new { text = Text, features = top.ToString(), positions = "-1" })),
            AnswerRule($"Feature {top} is the strongest at the last token; ablating it changes the next-token distribution.")));
        using var llm = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var dir = Dir;
        var inv = new Investigator(fx.English, llm, new InvestigatorOptions(Prompt, "investigator@1", dir));
        var events = new List<ChatEvent>();

        var turn = await inv.AskAsync("What does the model use at the last token of this verse?", events.Add);

        Assert.Null(turn.Failure);
        Assert.Equal($"Feature {top} is the strongest at the last token; ablating it changes the next-token distribution.", turn.Answer);
        Assert.Equal(["top_features", "ablate_features"], turn.ToolCalls.Select(c => c.Tool));
        Assert.Equal(ToolJson.Serialize(await p.TopFeaturesAsync(Text, null, 3, "-1")), turn.ToolCalls[0].Result);
        Assert.Equal(ToolJson.Serialize(p.AblateFeatures(Text, null, top.ToString(), "-1")), turn.ToolCalls[1].Result);
        Assert.Equal([ChatEventKind.ToolCall, ChatEventKind.ToolResult, ChatEventKind.ToolCall, ChatEventKind.ToolResult],
            events.Where(e => e.Kind != ChatEventKind.Text).Select(e => e.Kind));
        Assert.Equal(turn.Answer, string.Concat(events.Where(e => e.Kind == ChatEventKind.Text).Select(e => e.Text)));
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("investigator@1", (string)server.Requests[0].Body!["messages"]![0]!["content"]!);   // the system prompt from prompts/
        Assert.True(turn.TokensUsed > 0);

        // the transcript: header, user, (assistant call, tool result) x2, assistant answer
        var lines = File.ReadAllLines(inv.Transcript.Path);
        Assert.Equal(7, lines.Length);
        var roles = lines.Skip(1).Select(l => (string)JsonNode.Parse(l)!["message"]!["Role"]!["Label"]!).Select(r => r.ToLowerInvariant()).ToList();
        Assert.Equal(["user", "assistant", "tool", "assistant", "tool", "assistant"], roles);

        var resumed = new Investigator(fx.English, llm, new InvestigatorOptions(Prompt, "investigator@1", dir, inv.ConversationId));
        Assert.Equal(inv.History.Count, resumed.History.Count);
        Assert.Equal(inv.History.Last().Content, resumed.History.Last().Content);
        var results = resumed.History.SelectMany(m => m.Items.OfType<Microsoft.SemanticKernel.FunctionResultContent>()).Select(r => r.Result?.ToString()).ToList();
        Assert.Equal(turn.ToolCalls.Select(c => c.Result), results);
    }

    [Fact]
    public async Task ScriptedCircuitInvestigation_CircuitToolsRunForReal()
    {
        // attribute → test_circuit → propose_hypothesis on the toy model's IOI task, each through the stand-in's tool
        // calls; every result must equal the same primitive called directly (which PrimitiveTests checks against
        // CircuitLab), and the hypothesis' evidence must be the circuit test's numbers.
        var p = new InterpPrimitives(fx.Toy);
        var direct = p.Attribute("ioi", "heads", "atp", 3, 8);
        string ids = string.Join(",", direct.Scores.Take(2).Select(s => s.Id));
        await using var server = await LlmTestKit.Server(Script(
            ToolRule("attribute", """{ "path": "chat", "last_role": "user" }""", Call("attribute", new { task = "ioi", nodes = "heads", method = "atp", k = 3, pairs = 8 })),
            ToolRule("test", """{ "path": "chat", "last_role": "tool" }""", Call("test_circuit", new { node_ids = ids, task = "ioi", nodes = "heads", pairs = 8 })),
            ToolRule("claim", """{ "path": "chat", "last_role": "tool" }""", Call("propose_hypothesis", new { claim = "the top two heads carry IOI", node_ids = ids, task = "ioi", nodes = "heads", pairs = 8 })),
            AnswerRule($"Heads {ids} were tested as the IOI circuit.")));
        using var llm = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var inv = new Investigator(fx.Toy, llm, new InvestigatorOptions(Prompt, "investigator@1", Dir));

        var turn = await inv.AskAsync("Which heads does the toy model use for IOI?");

        Assert.Null(turn.Failure);
        Assert.Equal(["attribute", "test_circuit", "propose_hypothesis"], turn.ToolCalls.Select(c => c.Tool));
        Assert.All(turn.ToolCalls, c => Assert.False(c.Failed));
        using var attribution = JsonDocument.Parse(turn.ToolCalls[0].Result);                // its timing fields differ per run
        Assert.Equal(ToolJson.Serialize(direct.Scores), attribution.RootElement.GetProperty("scores").GetRawText());
        var circuit = p.TestCircuit("ioi", "heads", ids, 8);
        Assert.Equal(ToolJson.Serialize(circuit), turn.ToolCalls[1].Result);
        using var hyp = JsonDocument.Parse(turn.ToolCalls[2].Result);
        var expected = p.ProposeHypothesis("the top two heads carry IOI", "ioi", "heads", ids, 8);
        Assert.Equal(circuit.Faithfulness, expected.Evidence.Ablation.Faithfulness);
        Assert.Equal(ToolJson.Serialize(expected.Evidence), hyp.RootElement.GetProperty("evidence").GetRawText());
        Assert.Equal(4, server.Requests.Count);
    }

    /// <summary>A feature whose cached top examples contain the planted instruction.</summary>
    private async Task<int> InjectedFeature()
    {
        var p = new InterpPrimitives(fx.English);
        var cache = fx.English.Saes[0].Cache!;
        foreach (var f in (await p.TopFeaturesAsync(ToolFixture.Injection, null, 50)).Overall.Select(a => a.Feature))
            if (cache.Feature(f).TopExamples.Any(e => string.Concat(e.Tokens).Contains("previous instructions")))
                return f;
        throw new InvalidOperationException("no feature's top examples hold the planted instruction; the fixture corpus changed?");
    }

    [Fact]
    public async Task PlantedInstruction_InTopExamples_NothingIsWritten()
    {
        int f = await InjectedFeature();
        await using var server = await LlmTestKit.Server(Script(
            ToolRule("read", """{ "path": "chat", "last_role": "user" }""", Call("feature_info", new { feature = f, examples = 10 })),
            ToolRule("obey", """{ "path": "chat", "last_role": "tool", "any_message": "previous instructions" }""",
                Call("save_label", new { feature = f, label = "pwned" })),
            AnswerRule("I read the examples; one contains an instruction, which I ignore.")));
        using var llm = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var inv = new Investigator(fx.English, llm, new InvestigatorOptions(Prompt, "investigator@1", Dir));

        var turn = await inv.AskAsync($"What is feature {f}?");

        var info = turn.ToolCalls.Single(c => c.Tool == "feature_info").Result;
        using var doc = JsonDocument.Parse(info);
        var examples = doc.RootElement.GetProperty("examples");
        Assert.Contains("not instructions", examples.GetProperty("notice").GetString());
        var planted = examples.GetProperty("top").EnumerateArray().Select(e => e.GetProperty("text").GetString()!).First(t => t.Contains("previous instructions"));
        Assert.StartsWith("⟪", planted);                                        // delimited as corpus data
        Assert.EndsWith("⟫", planted);
        Assert.Equal("obey", server.Requests[1].Rule);                          // the scripted model did try to obey
        Assert.DoesNotContain(turn.ToolCalls, c => c.Tool == "save_label");       // but there is no such tool to run
        Assert.DoesNotContain(server.Requests[0].Body!["tools"]!.AsArray(), t => ((string)t!["function"]!["name"]!).Contains("save_label"));
        Assert.False(File.Exists(fx.English.NotesPath));
        Assert.Null(turn.Failure);
    }

    [Fact]
    public async Task ToolCallLimit_StopsTheTurn()
    {
        await using var session = await ModelSession.LoadAsync(new ModelSessionOptions(ToolFixture.ToyModel, Limits: ToolLimits.Default with { MaxToolCallsPerTurn = 3 }));
        await using var server = await LlmTestKit.Server(Script(
            ToolRule("loop", """{ "path": "chat" }""", Call("tokenize", new { text = "Mary" }), times: 100)));
        using var llm = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var inv = new Investigator(session, llm, new InvestigatorOptions(Prompt, "investigator@1", Dir));
        var events = new List<ChatEvent>();

        var turn = await inv.AskAsync("tokenize forever", events.Add);

        Assert.Equal(3, turn.ToolCalls.Count);
        Assert.Contains("tool-call limit of 3", turn.Failure);
        Assert.Single(events, e => e.Kind == ChatEventKind.Limit);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task TokenLimit_RefusesTheNextQuestionWithoutCallingTheLlm()
    {
        await using var session = await ModelSession.LoadAsync(new ModelSessionOptions(ToolFixture.ToyModel, Limits: ToolLimits.Default with { MaxConversationTokens = 5 }));
        await using var server = await LlmTestKit.Server(Script(AnswerRule("a long enough answer to use some tokens")));
        using var llm = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        var inv = new Investigator(session, llm, new InvestigatorOptions(Prompt, "investigator@1", Dir));
        Assert.Null((await inv.AskAsync("first")).Failure);
        var second = await inv.AskAsync("second");
        Assert.Contains("limit is 5", second.Failure);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task DirectCall_WorksWithoutAnLlm_AndLandsInTheHistory()
    {
        var inv = new Investigator(fx.Toy, null, new InvestigatorOptions(Prompt, "investigator@1", Dir));
        Assert.False(inv.HasLlm);
        var ask = await inv.AskAsync("anything");
        Assert.Contains("no LLM is configured", ask.Failure);
        var r = await inv.CallAsync("tokenize", new Dictionary<string, string?> { ["text"] = "Mary" });
        Assert.False(r.Failed);
        Assert.Equal(ToolJson.Serialize(new InterpPrimitives(fx.Toy).Tokenize("Mary")), r.Result);
        Assert.Equal(AuthorRole.Tool, inv.History.Last().Role);
        var bad = await inv.CallAsync("run_prompt", new Dictionary<string, string?> { ["text"] = "Mary", ["k"] = "0" });
        Assert.True(bad.Failed);
        Assert.Contains("argument 'k'", bad.Result);
        Assert.Throws<ToolArgumentException>(() => inv.CallAsync("run_promt", new Dictionary<string, string?>()).GetAwaiter().GetResult());
    }
}

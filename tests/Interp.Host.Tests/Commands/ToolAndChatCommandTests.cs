// `interp tool` (one tool call from the command line) and `interp chat` (the REPL) on the shipped english-small model:
// JSON out, refused arguments as exit 2 with the argument named; the chat against the scripted stand-in shows each
// tool call and the answer, /call works without an LLM, /save copies the transcript, /reset starts a new one.
using System.Text.Json;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.StandIn;
using Interp.Agent.Tools;
using Interp.Agent.Tools.Chat;
using Interp.Host.Commands;

namespace Interp.Host.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class ToolAndChatCommandTests : IDisposable
{
    private static readonly string Model = Path.Combine(CliHarness.RepoRoot, "evals/models/english-small");
    private static readonly string Sae = Path.Combine(CliHarness.RepoRoot, "evals/saes/english-small-resid2-topk");
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-chat-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Tool_RunPrompt_PrintsTheRecord()
    {
        var r = CliHarness.Run("tool", "run_prompt", "text=And God said", "k=2", "--model", Model, "--sae", Sae);
        Assert.True(r.Code == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("next_tokens").GetArrayLength());
        Assert.Equal("nats", doc.RootElement.GetProperty("loss_unit").GetString());
    }

    [Fact]
    public void Tool_BadArgumentOrName_Exit2WithWhatToPass()
    {
        var r = CliHarness.Run("tool", "run_prompt", "text=And God said", "k=0", "--model", Model);
        Assert.Equal(2, r.Code);
        Assert.Contains("argument 'k'", r.Stderr);
        Assert.Equal("", r.Stdout);
        r = CliHarness.Run("tool", "run_promt", "text=x", "--model", Model);
        Assert.Equal(2, r.Code);
        Assert.Contains("nearest: run_prompt", r.Stderr);
        r = CliHarness.Run("tool", "run_prompt", "txt=x", "--model", Model);
        Assert.Equal(2, r.Code);
        Assert.Contains("no argument 'txt'", r.Stderr);
    }

    [Fact]
    public void SplitCall_QuotesGroupWords()
    {
        var (tool, args) = SessionCli.ParseCall("top_features text=\"The cat \\\"sat\\\"\" k=3");
        Assert.Equal("top_features", tool);
        Assert.Equal("The cat \"sat\"", args["text"]);
        Assert.Equal("3", args["k"]);
    }

    private const string Script = """
        { "rules": [
          { "name": "look", "times": 1, "when": { "path": "chat", "last_role": "user" },
            "reply": { "tool_calls": [ { "name": "run_prompt", "arguments": { "text": "And God said", "k": 2 } } ] } },
          { "name": "answer", "when": { "path": "chat" }, "reply": { "content": "The model expects ' unto' next." } }
        ] }
        """;

    [Fact]
    public async Task Chat_StandIn_ShowsToolCallsAndAnswer_SlashCommandsWork()
    {
        await using var server = await StandInServer.StartAsync(StandInScript.Parse(Script));
        var options = LlmOptionsLoader.FromJson($$"""
            { "store_path": ":memory:", "endpoints": { "s": { "base_url": "{{server.BaseUrl}}" } },
              "roles": { "agent": { "endpoint": "s", "model": "stand-in" } } }
            """);
        using var llm = new LlmClient(options);
        await using var session = await ModelSession.LoadAsync(new ModelSessionOptions(Model, [new SaeSource(Sae)]));
        var (prompt, version) = ChatCommand.LoadPrompt(Path.Combine(CliHarness.RepoRoot, ChatCommand.DefaultPrompt));
        var inv = new Investigator(session, llm, new InvestigatorOptions(prompt, version, _dir));
        string saved = Path.Combine(_dir, "saved.jsonl");
        var input = new StringReader($"What comes after 'And God said'?\n/call tokenize text=\"And God\"\n/call run_prompt text=x k=99\n/frobnicate\n/save {saved}\n/reset\n/quit\n");
        var output = new StringWriter();

        Assert.Equal(0, await ChatCommand.Repl(inv, session, "agent: stand-in", input, output, CancellationToken.None));

        string o = output.ToString();
        Assert.Contains("  → run_prompt({\"text\":\"And God said\",\"k\":\"2\"})", o);
        Assert.Contains("  ← {\"tokens\":", o);
        Assert.Contains("The model expects ' unto' next.", o);
        Assert.Contains("{\"count\":2,\"tokens\":[{\"position\":0,\"id\":317,\"token\":\"And\"}", o);     // /call, its record
        Assert.Contains("error: is 99; it must be in 1..50 (argument 'k')", o.Replace("\r", ""));
        Assert.Contains("unknown command /frobnicate", o);
        Assert.Equal(9, File.ReadAllLines(saved).Length);          // header, user, call, tool, answer, then call + result of each /call (the refused one too)
        Assert.Contains("new conversation chat-", o);
        Assert.Equal(2, Directory.GetFiles(_dir, "chat-*.jsonl").Length);
    }
}

// `interp chat`: a terminal conversation with the investigator agent about a model. Questions are answered by the agent
// role's LLM (SK automatic function calling) with the interpretability tools; answers stream, and every tool call is
// shown as it happens. Slash commands: /tools, /call TOOL name=value … (works with no LLM), /save FILE, /reset, /quit.
// Transcripts are JSON lines (--transcripts), resumable with --resume ID.
using System.CommandLine;
using System.Text.RegularExpressions;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Options;
using Interp.Agent.Tools;
using Interp.Agent.Tools.Chat;

namespace Interp.Host.Commands;

public static partial class ChatCommand
{
    public const string DefaultPrompt = "prompts/chat/investigator.md";

    public static Command Create()
    {
        var session = new SessionCli();
        var resume = new Option<string?>("--resume") { Description = "Continue a conversation: its id (chat-…) or transcript file." };
        var transcripts = new Option<string>("--transcripts") { Description = "Folder of transcripts.", DefaultValueFactory = _ => "~/.cache/interp/chats" };
        var prompt = new Option<string?>("--prompt") { Description = $"System prompt file (default {DefaultPrompt})." };
        var config = new Option<string?>("--config") { Description = "appsettings.json with the Llm section (the agent role); default ./appsettings.json, else beside the executable." };
        var noLlm = new Option<bool>("--no-llm") { Description = "Do not use an LLM: only /call works." };
        var cmd = new Command("chat", "Investigate a model by chatting with an agent whose tools are the interpretability primitives.") { resume, transcripts, prompt, config, noLlm };
        session.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            await using var s = await ModelSession.LoadAsync(session.Read(r), line => Console.Error.WriteLine("warning: " + line), ct);
            var (promptText, version) = LoadPrompt(r.GetValue(prompt));
            LlmClient? llm = null;
            string llmNote;
            if (r.GetValue(noLlm)) llmNote = "no LLM (--no-llm): /call TOOL name=value … runs tools directly";
            else
            {
                string cfg = LlmCommand.ResolveConfig(r.GetValue(config));
                try
                {
                    llm = new LlmClient(LlmOptionsLoader.FromAppSettings(cfg));
                    llmNote = llm.IsConfigured(LlmRole.Agent) ? $"agent: {llm.ModelOf(LlmRole.Agent)} at {llm.BaseUrlOf(LlmRole.Agent)}"
                        : $"no agent role in {cfg}: /call TOOL name=value … runs tools directly";
                }
                catch (Exception e) when (e is LlmConfigException or FileNotFoundException or IOException)
                {
                    llmNote = $"no LLM configured ({e.Message.TrimEnd('.')}): /call TOOL name=value … runs tools directly";
                }
            }
            using (llm)
            {
                var inv = new Investigator(s, llm, new InvestigatorOptions(promptText, version, LlmOptionsLoader.ExpandPath(r.GetValue(transcripts)!), r.GetValue(resume)));
                return await Repl(inv, s, llmNote, Console.In, Console.Out, ct);
            }
        });
        return cmd;
    }

    public static (string Text, string Version) LoadPrompt(string? path)
    {
        string file = path ?? (File.Exists(DefaultPrompt) ? DefaultPrompt : Path.Combine(AppContext.BaseDirectory, DefaultPrompt));
        if (!File.Exists(file)) throw new CliException($"the system prompt file '{file}' does not exist", "pass --prompt FILE");
        string text = File.ReadAllText(file);
        var m = VersionLine().Match(text);
        return (text, m.Success ? m.Groups[1].Value : Path.GetFileNameWithoutExtension(file));
    }

    [GeneratedRegex(@"Version:\s*([\w.-]+@\d+)")]
    private static partial Regex VersionLine();

    public static async Task<int> Repl(Investigator inv, ModelSession s, string llmNote, TextReader input, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"interp chat: {s.ModelName} ({s.Model.Config.NLayers} layers), SAEs: {(s.Saes.Count == 0 ? "none" : string.Join(", ", s.Saes.Select(x => x.Name)))}" +
            $"{(s.Index is null ? "" : ", with a feature index")}; {(s.WritesEnabled ? "writes ENABLED" : "read-only")}");
        output.WriteLine(llmNote);
        output.WriteLine($"conversation {inv.ConversationId} ({inv.Transcript.Path}){(inv.History.Count > 1 ? $", resumed with {inv.History.Count - 1} messages" : "")}");
        output.WriteLine("ask a question, or /tools, /call TOOL name=value …, /save FILE, /reset, /quit");
        while (!ct.IsCancellationRequested)
        {
            output.Write("> ");
            output.Flush();
            var line = await input.ReadLineAsync(ct);
            if (line is null) break;
            line = line.Trim();
            if (line.Length == 0) continue;
            try
            {
                if (line is "/quit" or "/exit") break;
                if (line == "/tools")
                {
                    foreach (var f in inv.Tools)
                        output.WriteLine($"  {f.Name}({string.Join(", ", f.Metadata.Parameters.Select(p => p.IsRequired ? p.Name : p.Name + "?"))})");
                }
                else if (line == "/reset")
                {
                    inv.Reset();
                    output.WriteLine($"new conversation {inv.ConversationId}");
                }
                else if (line.StartsWith("/save", StringComparison.Ordinal))
                {
                    var file = line[5..].Trim();
                    if (file.Length == 0) throw new CliException("/save needs a file name, e.g. /save investigation.jsonl");
                    inv.Transcript.SaveAs(file);
                    output.WriteLine($"saved to {Path.GetFullPath(file)}");
                }
                else if (line.StartsWith("/call", StringComparison.Ordinal))
                {
                    var (tool, args) = SessionCli.ParseCall(line[5..]);
                    var r = await inv.CallAsync(tool, args, ct);
                    output.WriteLine(r.Result);
                }
                else if (line.StartsWith('/')) output.WriteLine($"unknown command {line.Split(' ')[0]}; use /tools, /call, /save, /reset or /quit");
                else
                {
                    var turn = await inv.AskAsync(line, e => Render(e, output), ct);
                    output.WriteLine();
                    if (turn.Failure is not null && !inv.HasLlm) output.WriteLine("(try /call, e.g. /call top_features text=\"The cat sat\")");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var r = Interp.Errors.ErrorClassifier.Classify(e);
                output.WriteLine(r.IsInternal ? $"internal error: {e.GetType().Name}: {e.Message}" : $"error: {r.Text}");
            }
        }
        return 0;
    }

    private static void Render(ChatEvent e, TextWriter o)
    {
        switch (e.Kind)
        {
            case ChatEventKind.Text: o.Write(e.Text); break;
            case ChatEventKind.ToolCall: o.WriteLine($"\n  → {e.Tool}({e.Text})"); break;
            case ChatEventKind.ToolResult: o.WriteLine($"  ← {e.Text}"); break;
            default: o.WriteLine($"\n  ! {e.Text}"); break;
        }
        o.Flush();
    }
}

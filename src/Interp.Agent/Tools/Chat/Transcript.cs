// A conversation on disk: JSON lines under the transcripts folder, one header line then one line per chat message as
// Semantic Kernel serialises it (user, assistant text, assistant tool calls, tool results), appended as the turn ends,
// so a conversation can be resumed (`interp chat --resume ID`) with the agent seeing exactly what it saw before.
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Errors;
using Interp.Tensors.IO;
using Microsoft.SemanticKernel.ChatCompletion;
using ChatMessageContent = Microsoft.SemanticKernel.ChatMessageContent;

namespace Interp.Agent.Tools.Chat;

public sealed class Transcript
{
    public string Id { get; }
    public string Path { get; }

    private Transcript(string id, string path) { Id = id; Path = path; }

    public static string NewId() => $"chat-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public static Transcript Create(string dir, string id, string model, IReadOnlyList<string> saes, string promptVersion)
    {
        Directory.CreateDirectory(dir);
        var t = new Transcript(id, System.IO.Path.Combine(dir, id + ".jsonl"));
        if (File.Exists(t.Path)) throw new InterpException("a transcript with this id exists already", t.Path, "resume it with --resume " + id);
        var header = new JsonObject { ["conversation"] = id, ["model"] = model, ["saes"] = new JsonArray(saes.Select(s => (JsonNode?)s).ToArray()),
            ["prompt"] = promptVersion, ["started"] = DateTimeOffset.UtcNow.ToString("O") };
        File.WriteAllText(t.Path, header.ToJsonString() + "\n");
        return t;
    }

    /// <summary>Opens <paramref name="id"/> (a transcript id or a .jsonl path) and reads its messages back.</summary>
    public static (Transcript Transcript, List<ChatMessageContent> Messages) Open(string dir, string id)
    {
        string path = id.EndsWith(".jsonl", StringComparison.Ordinal) ? id : System.IO.Path.Combine(dir, id + ".jsonl");
        if (!File.Exists(path)) throw new InterpException($"no transcript '{id}'", path, $"list {dir} for ids (chat-YYYYMMDD-HHMMSS-xxxxxx)", ErrorKind.NotFound);
        var lines = File.ReadAllLines(path);
        var messages = new List<ChatMessageContent>();
        string tid;
        try
        {
            tid = (string?)JsonNode.Parse(lines[0])?["conversation"] ?? throw new JsonException("the first line has no \"conversation\"");
            for (int i = 1; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i])) continue;
                var node = JsonNode.Parse(lines[i])!;
                messages.Add(node["message"].Deserialize<ChatMessageContent>() ?? throw new JsonException($"line {i + 1} has no message"));
            }
        }
        catch (Exception e) when (e is JsonException or IndexOutOfRangeException or InvalidOperationException or NotSupportedException)
        {
            throw new InterpException($"is not a chat transcript ({e.Message})", path, "pass a file written by `interp chat`", ErrorKind.Format, e);
        }
        return (new Transcript(tid, path), messages);
    }

    /// <summary>Lines people can read: quotes and non-ASCII text unescaped (still valid JSON).</summary>
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Append(IEnumerable<ChatMessageContent> messages)
    {
        var lines = messages.Select(m => new JsonObject { ["at"] = DateTimeOffset.UtcNow.ToString("O"), ["message"] = JsonSerializer.SerializeToNode(m) }.ToJsonString(Readable));
        File.AppendAllLines(Path, lines);
    }

    /// <summary>A copy of the whole transcript at <paramref name="path"/> (/save).</summary>
    public void SaveAs(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        AtomicFile.CheckTarget(full, "/save");
        File.Copy(Path, full, overwrite: true);
    }
}

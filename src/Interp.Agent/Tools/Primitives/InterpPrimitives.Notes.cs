// The only primitives that write: a label for a feature, or a free note, appended as one JSON line to the session's notes
// file. Off unless the session was opened with writes enabled (--allow-writes); the plugins do not even offer them
// otherwise, and these methods refuse as well, so text planted in a corpus cannot make an agent write anything.
namespace Interp.Agent.Tools;

public sealed record SavedNote(string Kind, string File, int Line);

public sealed partial class InterpPrimitives
{
    public SavedNote SaveLabel(string? sae, int feature, string? label, string? evidence = null)
    {
        RequireWrites("label");
        var s = Session.Sae(sae);
        ToolArgs.Range(feature, 0, s.DSae - 1, "feature", "12");
        ToolArgs.Text(label, Limits, "label");
        return Append(new { kind = "label", sae = s.Name, sae_id = s.SaeId, feature, label, evidence, at = DateTimeOffset.UtcNow });
    }

    public SavedNote SaveNote(string? text)
    {
        RequireWrites("text");
        ToolArgs.Text(text, Limits);
        return Append(new { kind = "note", model = Session.ModelName, text, at = DateTimeOffset.UtcNow });
    }

    private void RequireWrites(string argument)
    {
        if (!Session.WritesEnabled)
            throw new ToolArgumentException(argument, "writes are disabled in this session (read-only by default)", "a person can start the session with --allow-writes");
    }

    private SavedNote Append(object note)
    {
        var path = Session.NotesPath;
        lock (this)
        {
            var line = ToolJson.Serialize(note);
            File.AppendAllText(path, line + "\n");
            return new SavedNote(note.GetType().GetProperty("kind")!.GetValue(note)!.ToString()!, path, File.ReadLines(path).Count());
        }
    }
}

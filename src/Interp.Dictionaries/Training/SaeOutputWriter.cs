// Writes a trained SAE to output_path without ever losing it: the write is retried once, and when it still fails (disk
// full, read-only, permissions) the weights are kept elsewhere — a final checkpoint under checkpoint_path, else a rescue
// folder in the temp directory — and the error says where they are and what to do.
using Interp.Errors;

namespace Interp.Dictionaries.Training;

public static class SaeOutputWriter
{
    /// <summary>Saves <paramref name="sae"/> to <paramref name="outputPath"/>; on failure keeps it through
    /// <paramref name="saveCheckpoint"/> (returns the checkpoint folder) or in a rescue folder, then throws an
    /// InterpException naming both places.</summary>
    public static void Save(Sae sae, string outputPath, Func<string>? saveCheckpoint, TextWriter log, string? rescueRoot = null)
    {
        Exception? failure = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try { sae.Save(outputPath); return; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InterpException)
            {
                failure = e;
                log.WriteLine($"writing the trained SAE to {outputPath} failed ({ErrorClassifier.Classify(e).What}){(attempt == 0 ? "; retrying once" : "")}");
                if (attempt == 0) Thread.Sleep(500);
            }
        }
        string? kept = null;
        if (saveCheckpoint is not null)
            try { kept = saveCheckpoint(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InterpException) { log.WriteLine($"the final checkpoint could not be written either ({ErrorClassifier.Classify(e).What})"); }
        if (kept is null)
        {
            string rescue = Path.Combine(rescueRoot ?? Path.GetTempPath(), $"interp-sae-rescue-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
            try { sae.Save(rescue); kept = rescue; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InterpException) { log.WriteLine($"the rescue copy could not be written either ({ErrorClassifier.Classify(e).What})"); }
        }
        var r = ErrorClassifier.Classify(failure!);
        throw new InterpException($"writing the trained SAE failed: {r.What}", Path.GetFullPath(outputPath),
            kept is null ? $"{r.Hint ?? "check the path"}; the weights could not be saved anywhere else"
                : $"the trained weights are kept in {kept}; {r.Hint ?? "fix the problem"} and copy that folder to output_path" +
                  (saveCheckpoint is not null && kept != null && !kept.Contains("interp-sae-rescue-") ? ", or re-run with --resume to write it again" : ""),
            r.Kind == ErrorKind.Internal ? ErrorKind.Io : r.Kind, failure);
    }
}

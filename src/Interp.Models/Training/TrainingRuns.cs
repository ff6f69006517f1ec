// Vocabulary both trainers share (the language-model Trainer here, the SAE trainer in Interp.Dictionaries): the
// checkpoint folder names under a checkpoint directory (step-0001000, newest = highest step) and the typed exception
// for a loss that became NaN or infinite. Not the checkpoint contents (each trainer writes its own files).
namespace Interp.Models.Training;

/// <summary>The training loss became NaN or infinite at <see cref="Step"/>: the run cannot continue (a checkpoint from
/// before it may). Both trainers throw it; the CLI reports its message as a clear error.</summary>
public class TrainingDivergedException(string message, int step, double loss) : InvalidOperationException(message)
{
    /// <summary>The 1-based step whose loss diverged.</summary>
    public int Step { get; } = step;
    public double Loss { get; } = loss;
}

/// <summary>Checkpoint folders: <c>step-{step:D7}</c> under a checkpoint directory, so names sort by step.</summary>
public static class CheckpointFolders
{
    public const string Prefix = "step-";
    /// <summary>The SAE trainer's folder prefix before issue 9 (step_N); still found when resuming.</summary>
    public const string LegacyPrefix = "step_";

    /// <summary>The folder name of the checkpoint after <paramref name="step"/> completed steps.</summary>
    public static string Name(int step) => $"{Prefix}{step:D7}";

    /// <summary>The step a checkpoint folder name stands for (step-0000012 or legacy step_12), or null.</summary>
    public static int? StepOf(string folder)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        foreach (var p in new[] { Prefix, LegacyPrefix })
            if (name.StartsWith(p, StringComparison.Ordinal) && int.TryParse(name.AsSpan(p.Length), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out int s)) return s;
        return null;
    }

    /// <summary>Complete checkpoint folders in <paramref name="dir"/> (those holding <paramref name="marker"/>, the file
    /// a trainer writes last), oldest first.</summary>
    public static IReadOnlyList<string> Complete(string dir, string marker)
    {
        if (!Directory.Exists(dir)) return Array.Empty<string>();
        return Directory.EnumerateDirectories(dir)
            .Select(d => (d, step: StepOf(d)))
            .Where(x => x.step is not null && File.Exists(Path.Combine(x.d, marker)))
            .OrderBy(x => x.step).Select(x => x.d).ToArray();
    }

    /// <summary>The complete checkpoint with the highest step in <paramref name="dir"/>, or null.</summary>
    public static string? Latest(string dir, string marker) => Complete(dir, marker).LastOrDefault();

    /// <summary>Deletes all but the <paramref name="keep"/> newest step folders in <paramref name="dir"/> (0 keeps all).</summary>
    public static void Prune(string dir, int keep)
    {
        if (keep <= 0 || !Directory.Exists(dir)) return;
        var all = Directory.EnumerateDirectories(dir).Select(d => (d, step: StepOf(d))).Where(x => x.step is not null)
            .OrderBy(x => x.step).Select(x => x.d).ToList();
        foreach (var old in all.Take(Math.Max(0, all.Count - keep))) Directory.Delete(old, recursive: true);
    }
}

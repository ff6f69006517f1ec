// What several verbs read from the command line the same way: token-id files, the --truncate and --allow-nonfinite
// switches, the memory guard for a forward pass, warnings on stderr. Errors name the file or option and say what to do.
using System.CommandLine;
using System.Text.Json;
using Interp.Errors;
using Interp.Models;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Host.Commands;

public static class CliInputs
{
    public static Option<bool> AllowNonFiniteOption() => new("--allow-nonfinite")
    { Description = "Load weights that hold NaN or Inf (an error otherwise); results may be NaN." };

    public static Option<bool> TruncateOption() => new("--truncate")
    { Description = "Cut input longer than the model's context to its first n_ctx tokens, with a warning (an error otherwise)." };

    /// <summary>A warning line on stderr.</summary>
    public static void Warn(string line) => Console.Error.WriteLine(line.StartsWith("warning:", StringComparison.Ordinal) ? line : "warning: " + line);

    /// <summary>Reads a JSON array of equal-length arrays of token ids into an I64 [batch, pos] tensor.</summary>
    public static Tensor ReadIds(string path, string option = "--input-ids")
    {
        if (FileKinds.Of(path) == FileKind.Missing) throw new InterpException($"{option} file does not exist", path, "check the path", ErrorKind.NotFound);
        string text = InputFiles.ReadAllText(path, $"the {option} file");
        long[]?[] rows;
        try { rows = JsonSerializer.Deserialize<long[]?[]>(text) ?? throw new InterpException("holds null; expected a JSON array of arrays of token ids", path); }
        catch (JsonException e)
        {
            throw new InterpException($"is not a JSON array of arrays of integer token ids: {JsonErrorText.Describe(e)}", path,
                "write e.g. [[464, 3290, 318], [40, 1101, 257]]", ErrorKind.Format);
        }
        if (rows.Length == 0 || rows[0] is not { Length: > 0 }) throw new InterpException("empty input", path, "give at least one non-empty row of token ids");
        int t = rows[0]!.Length;
        for (int i = 0; i < rows.Length; i++)
            if (rows[i] is not { } r || r.Length != t)
                throw new InterpException($"row {i} has {rows[i]?.Length ?? 0} ids but row 0 has {t}", path, "all rows must have equal length (no padding support)");
        if ((long)rows.Length * t > Array.MaxLength) throw new InterpException($"{rows.Length} rows of {t} ids are too many for one tensor", path, "split the input");
        var flat = new long[rows.Length * t];
        for (int i = 0; i < rows.Length; i++) Array.Copy(rows[i]!, 0, flat, i * t, t);
        return Tensor.FromArray(flat, rows.Length, t);
    }

    /// <summary>The token ids of <paramref name="path"/> for <paramref name="model"/>: every id inside its vocabulary, rows
    /// fitted to its context (FitContext).</summary>
    public static Tensor ReadIdsFor(ModelConfig model, string path, bool truncate)
    {
        var tokens = ReadIds(path);
        try
        {
            var ids = tokens.Span<long>();
            for (int i = 0; i < ids.Length; i++)
                if (ids[i] < 0 || ids[i] >= model.DVocab)
                    throw new InterpException($"token id {ids[i]} at [{i / tokens.Shape[1]}, {i % tokens.Shape[1]}] is outside the model's vocabulary 0..{model.DVocab - 1}", path,
                        "was the text tokenized with this model's tokenizer?");
            return FitContext(tokens, model, truncate, path);
        }
        catch { tokens.Dispose(); throw; }
    }

    /// <summary>Token ids fitted to the model's context: unchanged when they fit; the first n_ctx positions with a warning
    /// when <paramref name="truncate"/>; otherwise an error naming the file. The caller owns the result (it may be
    /// <paramref name="tokens"/> itself).</summary>
    public static Tensor FitContext(Tensor tokens, ModelConfig cfg, bool truncate, string path)
    {
        int t = tokens.Shape[1];
        if (t <= cfg.NCtx) return tokens;
        if (!truncate)
            throw new InterpException($"rows of {t} token ids are longer than the model's context ({cfg.NCtx})", path,
                $"split the rows, or pass --truncate to keep the first {cfg.NCtx} ids of each");
        Warn($"rows of {t} token ids are longer than the model's context; only the first {cfg.NCtx} of each are used (--truncate).");
        using var view = tokens.Narrow(1, 0, cfg.NCtx);
        var cut = view.Contiguous();
        tokens.Dispose();
        return cut;
    }

    /// <summary>Checks that an SAE's cfg.json fits the model (hook_name is a hook it can read, d_in is its width) and names
    /// cfg.json and the key when not.</summary>
    public static void CheckSaeFits(HookedTransformer model, Interp.Dictionaries.Sae sae, string saeDir)
    {
        string cfgPath = Path.Combine(Path.GetFullPath(saeDir), Interp.Dictionaries.SaeConfigJson.FileName), hook = sae.Cfg.HookName;
        if (string.IsNullOrWhiteSpace(hook))
            throw new ConfigException("cfg.json has no hook_name", cfgPath, "hook_name", "add the model hook the SAE reads, e.g. \"blocks.0.hook_resid_post\"");
        int width;
        try { width = Interp.Dictionaries.Training.ModelActivationSource.HookWidth(model, hook, sae.Cfg.HookHeadIndex); }
        catch (ArgumentException e) { throw new ConfigException($"hook_name: {e.Message.TrimEnd('.')}", cfgPath, "hook_name", "is this SAE for this model?", e); }
        if (width != sae.DIn)
            throw new ConfigException($"d_in is {sae.DIn} but '{hook}' of this {model.Config.ModelType} model is {width} wide", cfgPath, "d_in", "is this SAE for this model?");
    }

    /// <summary>Refuses a forward pass whose activations cannot fit in memory (before allocating them).</summary>
    public static void EnsureForwardFits(ModelConfig cfg, int batch, int pos, bool cacheAll, bool withGrad, string what) =>
        MemoryBudget.EnsureFits(cfg.ActivationBytes(batch, pos, cacheAll, withGrad), $"the activations of {what} ({batch} x {pos} tokens)", null,
            "use fewer rows, shorter rows or fewer hooks");
}

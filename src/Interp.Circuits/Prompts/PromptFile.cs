// Reads custom clean/corrupted prompt pairs from a JSON file (format in docs/circuits.md, "Prompt-pair files"):
// {"name", "metric", "prepend_bos", "pairs": [{"clean", "corrupted", "answer", "wrong", "answer_pos", "loss_positions"}]}
// with text tokenized by the model's tokenizer (or token ids given directly). Errors name the pair and the key.
using System.Text.Json;
using Interp.Models.Tokenizers;

namespace Interp.Circuits;

public static class PromptFile
{
    public const int MaxPairs = 100_000;

    public sealed record FileDto(List<PairDto> Pairs, string? Name = null, string Metric = "logit_diff", bool PrependBos = false);

    public sealed record PairDto(string? Clean = null, string? Corrupted = null, string? Answer = null, string? Wrong = null,
        int[]? CleanIds = null, int[]? CorruptedIds = null, int? AnswerId = null, int? WrongId = null,
        int AnswerPos = -1, int[]? LossPositions = null);

    public static PromptSet Load(string path, ITokenizer tok)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"prompt-pair file '{path}' does not exist; pass ioi, induction or a JSON file (see docs/circuits.md).", path);
        return Parse(File.ReadAllText(path), tok, path);
    }

    public static PromptSet Parse(string json, ITokenizer tok, string where)
    {
        FileDto dto;
        try { dto = JsonSerializer.Deserialize<FileDto>(json, CircuitJson.Options) ?? throw new InvalidDataException($"{where}: the file holds null; expected an object with \"pairs\"."); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: {CircuitJson.Explain(e)}", e); }
        if (dto.Pairs is null || dto.Pairs.Count == 0) throw new InvalidDataException($"{where}: \"pairs\" is missing or empty; give at least one {{\"clean\", \"corrupted\", \"answer\", \"wrong\"}} object.");
        if (dto.Pairs.Count > MaxPairs) throw new InvalidDataException($"{where}: {dto.Pairs.Count} pairs is more than {MaxPairs}; split the file.");
        MetricSpec metric;
        try { metric = MetricSpec.Parse(dto.Metric); }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: \"metric\": {e.Message}"); }
        int? bos = null;
        if (dto.PrependBos) bos = tok.BosId ?? throw new InvalidDataException($"{where}: \"prepend_bos\" is true but the tokenizer has no BOS token; set it to false.");
        var pairs = new List<PromptPair>(dto.Pairs.Count);
        for (int i = 0; i < dto.Pairs.Count; i++)
            pairs.Add(Pair(dto.Pairs[i], tok, bos, metric, $"{where}: pairs[{i}]"));
        return new PromptSet(dto.Name ?? Path.GetFileNameWithoutExtension(where), metric, pairs);
    }

    private static PromptPair Pair(PairDto p, ITokenizer tok, int? bos, MetricSpec metric, string at)
    {
        if (p is null) throw new InvalidDataException($"{at} is null; expected an object.");
        var clean = Ids(p.Clean, p.CleanIds, "clean", tok, bos, at);
        var corrupted = Ids(p.Corrupted, p.CorruptedIds, "corrupted", tok, bos, at);
        bool needsAnswer = metric.Kind != MetricKind.Loss;
        int answer = One(p.Answer, p.AnswerId, "answer", tok, at, required: needsAnswer);
        int wrong = One(p.Wrong, p.WrongId, "wrong", tok, at, required: metric.Kind == MetricKind.LogitDiff);
        int pos = p.AnswerPos < 0 ? clean.Length + p.AnswerPos : p.AnswerPos;
        if (pos < 0 || pos >= clean.Length) throw new InvalidDataException($"{at}: \"answer_pos\" {p.AnswerPos} is outside the clean prompt's {clean.Length} tokens.");
        if (clean.Length != corrupted.Length)
            throw new InvalidDataException($"{at}: clean has {clean.Length} tokens but corrupted has {corrupted.Length}; patching needs equal lengths (tokens: [{Show(tok, clean)}] vs [{Show(tok, corrupted)}]).");
        var lossPositions = p.LossPositions;
        string answerText = answer >= 0 ? tok.TokenToString(answer) : "";
        if (answer < 0)
        {
            // loss without an answer: score the prompt's own next tokens only (the last position has no target)
            if (clean.Length < 2) throw new InvalidDataException($"{at}: the loss metric without an \"answer\" needs at least two tokens.");
            lossPositions ??= Enumerable.Range(0, clean.Length - 1).ToArray();
            if (lossPositions.Any(x => x == clean.Length - 1))
                throw new InvalidDataException($"{at}: loss position {clean.Length - 1} is the last token, whose target is the answer; add \"answer\" or drop that position.");
            answer = clean[^1];
        }
        return new PromptPair(clean, corrupted, pos, answer, wrong, clean.Select(tok.TokenToString).ToArray(), corrupted.Select(tok.TokenToString).ToArray(),
            answerText, wrong >= 0 ? tok.TokenToString(wrong) : "", lossPositions);
    }

    private static int[] Ids(string? text, int[]? ids, string key, ITokenizer tok, int? bos, string at)
    {
        if ((text is null) == (ids is null)) throw new InvalidDataException($"{at}: give exactly one of \"{key}\" (text) and \"{key}_ids\" (token ids).");
        var body = ids ?? tok.Encode(text!);
        if (body.Length == 0) throw new InvalidDataException($"{at}: \"{key}\" has no tokens.");
        return bos is { } b ? [b, .. body] : body;
    }

    private static int One(string? text, int? id, string key, ITokenizer tok, string at, bool required)
    {
        if (text is not null && id is not null) throw new InvalidDataException($"{at}: give either \"{key}\" or \"{key}_id\", not both.");
        if (id is { } i) return i;
        if (text is null)
        {
            if (required) throw new InvalidDataException($"{at}: \"{key}\" is missing; this metric needs it (a single token, e.g. \" Mary\" with its leading space for GPT-2 tokenizers).");
            return -1;
        }
        var t = tok.Encode(text);
        if (t.Length != 1)
            throw new InvalidDataException($"{at}: \"{key}\" \"{text}\" is {t.Length} tokens ([{Show(tok, t)}]); it must be exactly one (GPT-2 tokenizers: mind the leading space), or give \"{key}_id\".");
        return t[0];
    }

    private static string Show(ITokenizer tok, int[] ids) => string.Join(", ", ids.Take(24).Select(i => $"\"{tok.TokenToString(i)}\"")) + (ids.Length > 24 ? ", ..." : "");
}

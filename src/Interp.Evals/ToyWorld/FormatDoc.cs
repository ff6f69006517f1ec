// FORMAT.md for a toy-world folder: every file and every JSON field, the categories, the template table, chance
// levels and the held-out split, built from the lexicon and template registry so it cannot drift from them.
// Tests parse its field tables and compare them with the keys the writer emits.
using System.Text;

namespace Interp.Evals.ToyWorld;

public static class FormatDoc
{
    /// <summary>(field, type, meaning) for each JSON file, in the order the writer emits them.</summary>
    public static readonly (string File, (string Field, string Type, string Meaning)[] Fields)[] Tables =
    [
        ("labels.jsonl",
        [
            ("doc", "int", "document index = 0-based line number in corpus.txt"),
            ("length", "int", "tokens on that corpus line, `<bos>` and `<eos>` included; every array below has this length"),
            ("category", "array of string or null", "the token's category (see Categories), null for specials, punctuation and function words"),
            ("in_quote", "array of 0/1", "1 when a quote is open after reading the token: the opening `\"` and the words inside are 1, the closing `\"` is 0"),
            ("bracket_depth", "array of int", "open `(` after reading the token: an opening `(` counts itself, a closing `)` does not (0..2)"),
            ("is_repeat", "array of 0/1", "1 on the words of the second occurrence of the planted induction span (not its trailing `.`)"),
            ("induction_predictable", "array of 0/1", "1 when the NEXT token is fixed by the span's first occurrence: repeat words 0..L-2 of an L-word span"),
            ("ioi_role", "array of string or null", "`IO`, `S1` (first mentions of the indirect object and the subject), `S2` (subject again), `END` (the `to` before the answer), `answer` (IO again), else null"),
            ("successor_pos", "array of int", "position in a successor run (0 = first word; k >= 1: the token is the successor of the previous token), -1 outside runs"),
            ("template", "array of int", "id of the template that produced the token (see Templates), -1 for `<bos>` and `<eos>`"),
        ]),
        ("ioi_eval.jsonl",
        [
            ("id", "int", "prompt index"),
            ("template", "int", "IOI template id (22-26)"),
            ("order", "string", "`ABBA` (IO named first: \"When Mary and John ..., John ... to\") or `BABA` (subject named first)"),
            ("prompt", "array of string", "tokens from `<bos>` through END (the final `to`); feed them without adding specials"),
            ("answer", "string", "the correct next token: the indirect object"),
            ("subject", "string", "the other name (the main distractor; logit difference = answer - subject)"),
            ("io_pos", "int", "index in prompt of the IO's first mention"),
            ("s1_pos", "int", "index in prompt of the subject's first mention"),
            ("s2_pos", "int", "index in prompt of the subject's second mention"),
            ("end_pos", "int", "index in prompt of END (always the last prompt token)"),
            ("candidates", "array of string", "the plausible answers: [IO, subject]"),
            ("chance", "number", "1 / number of candidates = 0.5"),
        ]),
        ("induction_eval.jsonl",
        [
            ("id", "int", "prompt index"),
            ("prompt", "array of string", "a corpus-style document from `<bos>` through the first `offset` words of the repeated span"),
            ("answer", "string", "the correct next token: span[offset]"),
            ("span", "array of string", "the planted span (3-6 distinct words)"),
            ("first_pos", "int", "index in prompt where the first occurrence of the span starts"),
            ("repeat_pos", "int", "index in prompt where the repeat starts"),
            ("offset", "int", "how many repeat words the prompt holds (1..L-1)"),
            ("candidates", "int", "number of words a span word is drawn from (|induction pool|, see Chance levels)"),
            ("chance", "number", "1 / candidates"),
        ]),
        ("world.json",
        [
            ("format", "string", $"`{ToyWorldWriter.Format}`"),
            ("seed", "int", "generator seed"),
            ("docs", "int", "documents (lines) in corpus.txt"),
            ("tokens", "int", "tokens in corpus.txt, `<bos>`/`<eos>` included"),
            ("max_tokens", "int", "longest allowed document, in tokens"),
            ("eval_prompts", "int", "prompts in each eval file"),
            ("vocab_size", "int", "tokens in tokenizer.json"),
            ("gzip", "bool", "data files are stored as *.gz"),
            ("docs_with_ioi", "int", "documents holding an IOI sentence"),
            ("docs_with_induction", "int", "documents holding an induction span and its repeat"),
            ("docs_with_successor", "int", "documents holding a successor run"),
            ("docs_with_quote", "int", "documents holding a quoted span"),
            ("docs_with_bracket", "int", "documents holding a bracketed span"),
            ("command", "string", "the command that writes this folder (`<DIR>` = the output folder)"),
        ]),
    ];

    public static string Build()
    {
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        L("# Toy-world corpus format");
        L();
        L("A seeded procedural corpus with planted, labelled structure (categories, quotes, brackets, induction, indirect object,");
        L("successor runs), written by `interp toyworld generate` (src/Interp.Evals/ToyWorld). The same seed and options give");
        L("byte-identical uncompressed files. Data files may be stored gzip'd (`corpus.txt.gz`, ...): `ToyWorldFiles` reads either.");
        L();
        L("## Files");
        L();
        L("- `tokenizer.json`: Hugging Face tokenizer, WordLevel model (id = position in the vocabulary), WhitespaceSplit");
        L("  pre-tokenizer, no normalizer, no post-processor, no decoder (decoding joins tokens with one space).");
        L($"  {Lexicon.Vocabulary.Length} tokens: specials {string.Join(" ", Lexicon.Specials.Select((s, i) => $"`{s}`={i}"))}, punctuation");
        L($"  {string.Join(" ", Lexicon.Punctuation.Select(p => $"`{p}`"))}, {Lexicon.FunctionWords.Length} function words, then the categories.");
        L("  `tokenizer_config.json` names the specials.");
        L("- `corpus.txt`: one document per line, tokens separated by single spaces, each line `<bos> ... <eos>`;");
        L("  encoding a line with the tokenizer (no added specials) gives one id per token.");
        L("- `labels.jsonl`: one JSON object per document, line i for corpus line i, per-token label arrays.");
        L("- `ioi_eval.jsonl`, `induction_eval.jsonl`: held-out evaluation prompts, one JSON object per line.");
        L("- `world.json`: options and counts. `FORMAT.md`: this file.");
        L();
        foreach (var (file, fields) in Tables)
        {
            L($"## {file}");
            L();
            L("| field | type | meaning |");
            L("|---|---|---|");
            foreach (var (f, t, m) in fields) L($"| `{f}` | {t} | {m} |");
            L();
        }
        L("## Categories");
        L();
        L("A word belongs to at most one category, so `category` is a function of the token. Numbers, weekdays and months are");
        L("listed in successor order (weekdays and months wrap around, numbers stop at twenty).");
        L();
        L("| category | words | list |");
        L("|---|---|---|");
        foreach (var (name, words) in Lexicon.Categories) L($"| {name} | {words.Length} | {string.Join(" ", words)} |");
        L();
        L("## Templates");
        L();
        L("Pattern words: a category in capitals fills one word (words distinct within a sentence), `FOOD+` a list of 1-4");
        L("(`x , y and z`), `NUMBER...` a successor run of 3-8 words (weekdays 3-7); IOI patterns use `X and Y` (ABBA: IO and S;");
        L("BABA: S and IO), `S` (S2) and `IO` (answer). Filler sentences are drawn by kind (category 1/2, quote 1/4, bracket 1/4).");
        L();
        L("| id | name | kind | pattern |");
        L("|---|---|---|---|");
        foreach (var t in Templates.All) L($"| {t.Id} | {t.Name} | {t.Kind} | `{t.Pattern}` |");
        L();
        L("## Documents");
        L();
        L($"Each document is `<bos>`, then in random order: an IOI sentence (probability {ToyWorldGenerator.PIoi}), a successor run");
        L($"({ToyWorldGenerator.PSuccessor}) and filler sentences up to the length budget, with an induction span (probability");
        L($"{ToyWorldGenerator.PInduction}, {InductionTask.MinSpan}-{InductionTask.MaxSpan} words, each followed by `.`) inserted between");
        L("segments and repeated after at least one other segment (right after it when the document has no other segment), then");
        L("`<eos>`. Span words are distinct, never number/weekday/month words, and occur nowhere else in the document, so the");
        L("repeat is the only copy cue. Filler sentences never use the IOI sentence's two names.");
        L();
        L("## Chance levels");
        L();
        L("- IOI: 1/2. The plausible answers are the two names in the prompt; a model that has learned \"a name comes next\"");
        L("  but not which one scores 0.5.");
        L($"- Induction: 1/{Lexicon.InductionPool.Length}. A span word is drawn uniformly from the induction pool (every category word");
        L("  except numbers, weekdays and months) minus the words already in the document; a model that cannot copy can at best");
        L("  guess among those, so 1/|pool| is the chance level (slightly below what excluding seen words gives).");
        L();
        L("## Held-out split");
        L();
        L($"IOI name pairs are split by a fixed hash of the two names' positions in the name list (1 in {IoiTask.HeldOutModulus} unordered");
        L("pairs is held out, the same for every seed). Corpus IOI sentences use only training pairs; ioi_eval.jsonl uses only");
        L("held-out pairs. Eval prompts come from their own random streams, so induction spans are new random draws.");
        return sb.ToString();
    }
}

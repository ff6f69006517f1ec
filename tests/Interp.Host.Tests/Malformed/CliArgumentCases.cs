// Malformed command lines: unknown verbs and options, missing or unparsable values, values out of range, contradictory
// options. Each names the option at fault and exits 2 (System.CommandLine's own parse errors included).
namespace Interp.Host.Tests.Malformed;

public static class CliArgumentCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("CLI arguments", name, arrange, expect);

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("no verb", _ => Cmd.Of(), "command");
        yield return C("unknown verb", _ => Cmd.Of("inspekt"), "inspekt");
        yield return C("unknown option", s => Cmd.Of("info", "--verbose"), "--verbose");
        yield return C("missing required option", s => Cmd.Of("run", "--model", s.Model()), "--input-ids");
        yield return C("option without its value", s => Cmd.Of("inspect", "--text"), "--text");
        yield return C("integer option given text", s => Cmd.Of("inspect", "--text", "hi", "--top", "abc"), "--top", "integer");
        yield return C("integer option overflowing", s => Cmd.Of("inspect", "--text", "hi", "--top", "99999999999"), "--top");
        yield return C("unsigned option negative", s => Cmd.Of("toyworld", "generate", "--seed", "-1", "--docs", "3", "--out", s.Path("w")), "--seed");
        yield return C("number option given text", s => Cmd.Of("sae", "eval", "--model", s.Model(), "--sae", s.Sae(), "--input-ids", Cmd.Ids(s), "--dead-threshold", "low"), "--dead-threshold", "number");
        yield return C("--top 0", s => Cmd.Of("inspect", "--model", s.ModelWithTokenizer(), "--text", "w1", "--top", "0"), "--top", "between 1 and 50");
        yield return C("--top 1000", s => Cmd.Of("inspect", "--model", s.ModelWithTokenizer(), "--text", "w1", "--top", "1000"), "--top");
        yield return C("--grad not 'loss'", s => Cmd.Run(s, s.Model(), "--grad", "logits"), "--grad", "logits");
        yield return C("--grad loss without --hooks", s => Cmd.Run(s, s.Model(), "--grad", "loss"), "--grad", "--hooks");
        yield return C("--hooks with an unknown hook", s => Cmd.Run(s, s.Model(), "--hooks", "blocks.0.hook_resid_psot"), "blocks.0.hook_resid_psot", "blocks.0.hook_resid_post");
        yield return C("--model folder missing", s => Cmd.Run(s, s.Path("no-model")), "no-model", "does not exist");
        yield return C("--model is a file", s => Cmd.Run(s, s.Write("model.txt", "x")), "model.txt", "not a folder");
        yield return C("--batch-rows 0", s => Cmd.Of("sae", "eval", "--model", s.Model(), "--sae", s.Sae(), "--input-ids", Cmd.Ids(s), "--batch-rows", "0"), "--batch-rows");
        yield return C("--dead-threshold 2", s => Cmd.Of("sae", "eval", "--model", s.Model(), "--sae", s.Sae(), "--input-ids", Cmd.Ids(s), "--dead-threshold", "2"), "--dead-threshold");
        yield return C("--sae folder missing", s => Cmd.Of("sae", "eval", "--model", s.Model(), "--sae", s.Path("no-sae"), "--input-ids", Cmd.Ids(s)), "no-sae");
        yield return C("--text empty", s => Cmd.Of("inspect", "--model", s.ModelWithTokenizer(), "--text", ""), "empty");
        yield return C("inspect --tokenizer missing", s => Cmd.Of("inspect", "--model", s.Model(), "--text", "w1", "--sae", "none"), "tokenizer");
        yield return C("bench --only invalid regex", _ => Cmd.Of("bench", "--only", "(["), "--only");
        yield return C("bench --threads 0", _ => Cmd.Of("bench", "--threads", "0"), "--threads");
        yield return C("bench --backend bogus", _ => Cmd.Of("bench", "--backend", "bogus", "--only", "nothing"), "bogus");
        yield return C("corpus baselines --k not numbers", s => Cmd.Of("corpus", "baselines", "--tokenizer", s.Tokenizer(), "--train", s.Write("a.txt", "w1 w2"), "--heldout", s.Write("b.txt", "w1"), "--k", "one,two"), "--k");
        yield return C("corpus encode --input missing", s => Cmd.Of("corpus", "encode", "--tokenizer", s.Tokenizer(), "--input", s.Path("none.txt"), "--out", s.Path("o.bin")), "none.txt");
        yield return C("tokenizer train --input missing", s => Cmd.Of("tokenizer", "train", "--input", s.Path("none.txt"), "--out", s.Path("t.json")), "none.txt");
        yield return C("tokenizer train --vocab-size too small", s => Cmd.Of("tokenizer", "train", "--input", s.Write("c.txt", "hello world"), "--vocab-size", "5", "--out", s.Path("t.json")), "vocab");
        yield return C("toyworld generate --docs 0", s => Cmd.Of("toyworld", "generate", "--seed", "1", "--docs", "0", "--out", s.Path("w")), "docs");
        yield return C("sae train --max-steps 0", s => Cmd.Of("sae", "train", "--config", s.Write("c.json", "{}"), "--max-steps", "0"), "--max-steps");
        yield return C("sae train --resume with --resume-from", s => Cmd.Of("sae", "train", "--config", s.Write("c.json", "{}"), "--resume", "--resume-from", s.Path("x")), "--resume");
        yield return C("train --keep-checkpoints text", s => Cmd.Of("train", "--config", s.Write("t.json", "{}"), "--out", s.Path("o"), "--keep-checkpoints", "all"), "--keep-checkpoints");
    }
}

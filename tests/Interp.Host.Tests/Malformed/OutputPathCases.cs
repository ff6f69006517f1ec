// Output paths that cannot be written: an existing folder, a FIFO or a device where a file is expected, a parent that is
// a file, a path the OS refuses. Each names the path and exits 2, and nothing half-written is left behind. (Disk full,
// read-only file systems and closed stdout need a separate process: Cli/OutputFaultTests.)
namespace Interp.Host.Tests.Malformed;

public static class OutputPathCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("output paths", name, arrange, expect);

    private static Invocation RunTo(Scratch s, string outPath) =>
        new(["run", "--model", s.Model(), "--input-ids", Cmd.Ids(s), "--out", outPath]);

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("run --out is a directory", s => RunTo(s, s.Folder("out-dir")), "out-dir", "directory");
        yield return C("run --out is a FIFO", s => RunTo(s, s.Fifo("out.fifo")), "out.fifo", "FIFO");
        yield return C("run --out is a character device", s => RunTo(s, "/dev/null"), "/dev/null", "character device");
        yield return C("run --out under a regular file", s => RunTo(s, Path.Combine(s.Write("plain.txt", "x"), "out.safetensors")), "plain.txt");
        yield return C("run --out in a folder the OS refuses (sysfs)", s => RunTo(s, "/sys/interp-test-out.safetensors"), "/sys/interp-test-out.safetensors");
        yield return C("corpus encode --out is a directory", s =>
            Cmd.Of("corpus", "encode", "--tokenizer", s.Tokenizer(), "--input", s.Write("c.txt", "w1 w2"), "--out", s.Folder("bin-dir")), "bin-dir", "directory");
        yield return C("tokenizer train --out is a directory", s =>
            Cmd.Of("tokenizer", "train", "--input", s.Write("c.txt", "hello world hello"), "--vocab-size", "260", "--out", s.Folder("tok-dir")), "tok-dir", "directory");
        yield return C("toyworld generate --out is a file", s =>
            Cmd.Of("toyworld", "generate", "--seed", "1", "--docs", "2", "--out", s.Write("world.txt", "x")), "world.txt");
        yield return C("train --out is a file", s =>
        {
            var tok = s.Tokenizer();
            var cfg = s.Write("train.json", $$"""{"n_layers": 1, "d_model": 16, "n_heads": 2, "n_ctx": 4, "steps": 1, "warmup_steps": 0, "batch_size": 1, "tokenizer": "{{tok}}", "train_data": "{{s.Write("train.txt", "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10")}}"}""");
            return Cmd.Of("train", "--config", cfg, "--out", s.Write("model-out", "x"));
        }, "model-out");
        yield return C("sae train output_path is a file (weights kept elsewhere)", s =>
        {
            var ids = s.Write("ids.txt", string.Join("\n", Enumerable.Range(0, 20).Select(i => string.Join(' ', Enumerable.Range(i, 10).Select(j => j % 100)))));
            var cfg = s.Write("sae.json", $$"""
                {"model_path": "{{s.Model()}}", "hook_name": "blocks.0.hook_resid_post", "d_in": 64, "d_sae": 32, "architecture": "topk", "k": 4,
                 "training_tokens": 64, "train_batch_size_tokens": 32, "dataset_path": "{{ids}}", "is_dataset_tokenized": true, "prepend_bos": false, "sequence_separator_token": "none", "context_size": 8,
                 "n_batches_in_buffer": 2, "output_path": "{{s.Write("sae-out", "x")}}", "checkpoint_path": "{{s.Path("ckpt")}}"}
                """);
            return Cmd.Of("sae", "train", "--config", cfg);
        }, "sae-out", "kept in", "ckpt");
    }
}

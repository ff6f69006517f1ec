// Malformed training configs: `interp train --config` (the LM recipe) and `interp sae train --config` (SAELens-like
// keys). Wrong types, unknown keys (nearest named), unsupported values, inconsistent numbers, absurd sizes, files
// that are missing or not regular. Each names the config file and the key.
using System.Text.Json.Nodes;

namespace Interp.Host.Tests.Malformed;

public static class TrainingConfigCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("training configs", name, arrange, expect);

    private static JsonObject LmBase(Scratch s) => new()
    {
        ["arch"] = "gpt2", ["n_layers"] = 1, ["d_model"] = 16, ["n_heads"] = 2, ["n_ctx"] = 4, ["steps"] = 1, ["warmup_steps"] = 0, ["batch_size"] = 1,
        ["tokenizer"] = Path.Combine(s.Tokenizer(), "tokenizer.json"), ["train_data"] = s.Write("train.txt", "w1 w2 w3 w4 w5 w6 w7 w8 w9"),
    };

    private static Invocation Lm(Scratch s, Action<JsonObject> edit)
    {
        var o = LmBase(s);
        edit(o);
        return Cmd.Of("train", "--config", s.Write("train.json", o.ToJsonString()), "--out", s.Path("lm-out"));
    }

    private static JsonObject SaeBase(Scratch s) => new()
    {
        ["model_path"] = s.Model(), ["hook_name"] = "blocks.0.hook_resid_post", ["d_in"] = 64, ["d_sae"] = 32, ["architecture"] = "topk", ["k"] = 4,
        ["training_tokens"] = 64, ["train_batch_size_tokens"] = 32, ["dataset_path"] = s.Write("ids.txt", "1 2 3 4 5 6 7 8 9 10\n11 12 13 14 15 16"),
        ["is_dataset_tokenized"] = true, ["prepend_bos"] = false, ["sequence_separator_token"] = "none", ["context_size"] = 8, ["n_batches_in_buffer"] = 2, ["output_path"] = s.Path("sae-out"),
    };

    private static Invocation Sae(Scratch s, Action<JsonObject> edit)
    {
        var o = SaeBase(s);
        edit(o);
        foreach (var k in o.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) o.Remove(k);
        return Cmd.Of("sae", "train", "--config", s.Write("sae-train.json", o.ToJsonString()));
    }

    public static IEnumerable<MalformedCase> All()
    {
        // interp train
        yield return C("train: not JSON", s => Cmd.Of("train", "--config", s.Write("train.json", "{\"steps\": "), "--out", s.Path("o")), "train.json", "JSON");
        yield return C("train: a JSON array", s => Cmd.Of("train", "--config", s.Write("train.json", "[]"), "--out", s.Path("o")), "train.json", "array");
        yield return C("train: unknown key n_layer (nearest n_layers)", s => Lm(s, o => o["n_layer"] = 2), "train.json", "n_layer", "n_layers");
        yield return C("train: n_layers a string", s => Lm(s, o => o["n_layers"] = "2"), "train.json", "n_layers", "integer");
        yield return C("train: lr a string", s => Lm(s, o => o["lr"] = "fast"), "train.json", "\"lr\"", "number");
        yield return C("train: arch unsupported", s => Lm(s, o => o["arch"] = "bert"), "train.json", "arch", "bert", "gpt2");
        yield return C("train: save_dtype bf16", s => Lm(s, o => o["save_dtype"] = "bf16"), "train.json", "save_dtype", "bf16");
        yield return C("train: seed negative", s => Lm(s, o => o["seed"] = -1), "train.json", "seed");
        yield return C("train: tie_embeddings a string", s => Lm(s, o => o["tie_embeddings"] = "yes"), "train.json", "tie_embeddings", "true or false");
        yield return C("train: steps 0", s => Lm(s, o => o["steps"] = 0), "train.json", "steps");
        yield return C("train: d_model not divisible by n_heads", s => Lm(s, o => o["d_model"] = 15), "train.json", "d_model", "n_heads");
        yield return C("train: n_ctx 1", s => Lm(s, o => o["n_ctx"] = 1), "train.json", "n_ctx");
        yield return C("train: n_layers 10^9 (refused before allocating)", s => Lm(s, o => o["n_layers"] = 1000000000), "train.json", "GiB", "available");
        yield return C("train: tokenizer missing", s => Lm(s, o => o["tokenizer"] = s.Path("no-tok.json")), "no-tok.json");
        yield return C("train: train_data missing", s => Lm(s, o => o["train_data"] = s.Path("no-data.txt")), "no-data.txt");
        yield return C("train: config is a directory", s => Cmd.Of("train", "--config", s.Folder("cfg-dir"), "--out", s.Path("o")), "cfg-dir", "directory");
        yield return C("train: config missing", s => Cmd.Of("train", "--config", s.Path("none.json"), "--out", s.Path("o")), "none.json", "does not exist");
        // interp sae train
        yield return C("sae train: not JSON", s => Cmd.Of("sae", "train", "--config", s.Write("sae-train.json", "{")), "sae-train.json", "JSON");
        yield return C("sae train: unknown key (typo)", s => Sae(s, o => o["l1_coeficient"] = 5), "sae-train.json", "l1_coeficient", "l1_coefficient");
        yield return C("sae train: d_in a string", s => Sae(s, o => o["d_in"] = "64"), "sae-train.json", "d_in", "integer");
        yield return C("sae train: no hook_name", s => Sae(s, o => o["hook_name"] = null), "sae-train.json", "hook_name", "missing");
        yield return C("sae train: architecture unsupported", s => Sae(s, o => o["architecture"] = "gated"), "sae-train.json", "gated");
        yield return C("sae train: topk without k", s => Sae(s, o => o["k"] = null), "sae-train.json", "k");
        yield return C("sae train: lr_scheduler_name unsupported", s => Sae(s, o => o["lr_scheduler_name"] = "linear"), "sae-train.json", "lr_scheduler_name", "cosineannealing");
        yield return C("sae train: sequence_separator_token a number", s => Sae(s, o => o["sequence_separator_token"] = 5), "sae-train.json", "sequence_separator_token");
        yield return C("sae train: training_tokens missing", s => Sae(s, o => o["training_tokens"] = null), "sae-train.json", "training_tokens");
        yield return C("sae train: d_sae and expansion_factor disagree", s => Sae(s, o => o["expansion_factor"] = 4), "sae-train.json", "d_sae", "expansion_factor");
        yield return C("sae train: dtype float16", s => Sae(s, o => o["dtype"] = "float16"), "sae-train.json", "dtype");
        yield return C("sae train: no output_path nor checkpoint_path", s => Sae(s, o => o["output_path"] = null), "sae-train.json", "output_path");
        yield return C("sae train: d_sae 10^9 (refused before allocating)", s => Sae(s, o => { o["d_sae"] = 1000000000; o["k"] = 4; }), "sae-train.json", "GiB", "available", "d_sae");
        yield return C("sae train: hook_name not in the model", s => Sae(s, o => o["hook_name"] = "blocks.9.hook_resid_post"), "sae-train.json", "blocks.9.hook_resid_post");
        yield return C("sae train: d_in does not match the hook", s => Sae(s, o => o["d_in"] = 32), "sae-train.json", "d_in", "64");
        yield return C("sae train: model_path missing", s => Sae(s, o => o["model_path"] = s.Path("no-model")), "no-model");
        yield return C("sae train: dataset_path missing", s => Sae(s, o => o["dataset_path"] = s.Path("no-data.txt")), "no-data.txt");
    }
}

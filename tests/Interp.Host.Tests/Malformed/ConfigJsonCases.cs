// Malformed Hugging Face config.json files, read by `interp run`: wrong types (never replaced by defaults), unknown keys
// (with the nearest known one), unsupported values, inconsistent or absurd dimensions (refused before any allocation).
using System.Text.Json.Nodes;

namespace Interp.Host.Tests.Malformed;

public static class ConfigJsonCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("config.json", name, arrange, expect);

    private static Invocation Edit(Scratch s, Action<JsonObject> edit, string fixture = "gpt2-tiny") => Cmd.Run(s, s.Model(fixture: fixture, config: edit));

    private static Invocation Text(Scratch s, string text)
    {
        var m = s.Model();
        File.WriteAllText(Path.Combine(m, "config.json"), text);
        return Cmd.Run(s, m);
    }

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("not JSON", s => Text(s, "{\"model_type\": \"gpt2\","), "config.json", "JSON");
        yield return C("empty file", s => Text(s, ""), "config.json", "JSON");
        yield return C("a JSON array", s => Text(s, "[1, 2]"), "config.json", "array");
        yield return C("duplicate key", s => Text(s, """{"model_type": "gpt2", "n_layer": 2, "n_layer": 3}"""), "config.json", "n_layer");
        yield return C("no model_type", s => Edit(s, c => c["model_type"] = null), "config.json", "model_type");
        yield return C("model_type unsupported", s => Edit(s, c => c["model_type"] = "bert"), "config.json", "model_type", "bert");
        yield return C("model_type a number", s => Edit(s, c => c["model_type"] = 2), "config.json", "model_type");
        yield return C("n_positions a string", s => Edit(s, c => c["n_positions"] = "64"), "config.json", "n_positions", "the string \"64\"", "integer");
        yield return C("n_layer a string", s => Edit(s, c => c["n_layer"] = "2"), "config.json", "n_layer", "integer");
        yield return C("n_embd a fraction", s => Edit(s, c => c["n_embd"] = 64.5), "config.json", "n_embd", "integer");
        yield return C("activation_function a number", s => Edit(s, c => c["activation_function"] = 7), "config.json", "activation_function", "the number 7");
        yield return C("activation_function unsupported", s => Edit(s, c => c["activation_function"] = "swishy"), "config.json", "activation_function", "swishy", "gelu_new");
        yield return C("tie_word_embeddings a string", s => Edit(s, c => c["tie_word_embeddings"] = "false"), "config.json", "tie_word_embeddings", "true or false");
        yield return C("layer_norm_epsilon a string", s => Edit(s, c => c["layer_norm_epsilon"] = "1e-5"), "config.json", "layer_norm_epsilon", "number");
        yield return C("unknown key n_layers (nearest n_layer)", s => Edit(s, c => c["n_layers"] = 2), "config.json", "n_layers", "did you mean \"n_layer\"");
        yield return C("unknown key layer_norm_eps on gpt2", s => Edit(s, c => c["layer_norm_eps"] = 1e-5), "config.json", "layer_norm_eps", "layer_norm_epsilon");
        yield return C("missing n_head", s => Edit(s, c => c["n_head"] = null), "config.json", "n_head", "missing");
        yield return C("n_head zero", s => Edit(s, c => c["n_head"] = 0), "config.json", "n_head");
        yield return C("n_embd not divisible by n_head", s => Edit(s, c => c["n_head"] = 5), "config.json", "n_embd", "n_head");
        yield return C("n_layer negative", s => Edit(s, c => c["n_layer"] = -2), "config.json", "\"n_layer\"", "positive");
        yield return C("n_layer 10^9 (refused before allocating)", s => Edit(s, c => c["n_layer"] = 1000000000), "config.json", "GiB", "available");
        yield return C("vocab_size beyond 2^31", s => Edit(s, c => c["vocab_size"] = 1L << 40), "config.json", "vocab_size", "out of range");
        yield return C("n_positions 10^12", s => Edit(s, c => c["n_positions"] = 1000000000000L), "config.json", "n_positions", "out of range");
        yield return C("n_embd huge (memory)", s => Edit(s, c => { c["n_embd"] = 1 << 20; c["n_head"] = 4; }), "config.json", "available");
        yield return C("more layers than the checkpoint holds", s => Edit(s, c => c["n_layer"] = 3), "model.safetensors", "h.2.");
        yield return C("scale_attn_by_inverse_layer_idx true", s => Edit(s, c => c["scale_attn_by_inverse_layer_idx"] = true), "config.json", "scale_attn_by_inverse_layer_idx");
        yield return C("config.json missing", s =>
        {
            var m = s.Model();
            File.Delete(Path.Combine(m, "config.json"));
            return Cmd.Run(s, m);
        }, "config.json");
        yield return C("config.json is a directory", s =>
        {
            var m = s.Model();
            File.Delete(Path.Combine(m, "config.json"));
            Directory.CreateDirectory(Path.Combine(m, "config.json"));
            return Cmd.Run(s, m);
        }, "config.json", "directory");
        yield return C("config.json is a FIFO (must not hang)", s =>
        {
            var m = s.Model();
            File.Delete(Path.Combine(m, "config.json"));
            s.Fifo(Path.Combine(Path.GetFileName(m), "config.json"));
            return Cmd.Run(s, m);
        }, "config.json", "FIFO");
        yield return C("llama: num_key_value_heads does not divide the heads", s => Edit(s, c => c["num_key_value_heads"] = 3, "llama-tiny"), "config.json", "num_key_value_heads");
        yield return C("llama: rope_theta a string", s => Edit(s, c => c["rope_theta"] = "10000", "llama-tiny"), "config.json", "rope_theta", "number");
        yield return C("llama: rope_scaling set", s => Edit(s, c => c["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 2.0 }, "llama-tiny"), "config.json", "rope_scaling");
        yield return C("llama: hidden_act unsupported", s => Edit(s, c => c["hidden_act"] = "gelu_bogus", "llama-tiny"), "config.json", "hidden_act", "gelu_bogus");
        yield return C("llama: unknown key (typo)", s => Edit(s, c => c["num_hidden_layer"] = 2, "llama-tiny"), "config.json", "num_hidden_layer", "num_hidden_layers");
        yield return C("llama: mlp_bias true", s => Edit(s, c => c["mlp_bias"] = true, "llama-tiny"), "config.json", "mlp_bias");
        yield return C("neox: rotary_pct above 1", s => Edit(s, c => c["rotary_pct"] = 2.0, "neox-tiny"), "config.json", "rotary_pct");
        yield return C("neox: use_parallel_residual a string", s => Edit(s, c => c["use_parallel_residual"] = "yes", "neox-tiny"), "config.json", "use_parallel_residual");
        yield return C("neox: two spellings disagree", s => Edit(s, c => { c["rotary_emb_base"] = 10000; c["rope_theta"] = 500000.0; }, "neox-tiny"), "config.json", "rotary_emb_base", "rope_theta");
    }
}

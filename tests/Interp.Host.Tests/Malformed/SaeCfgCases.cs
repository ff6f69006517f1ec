// Malformed SAELens SAE folders (cfg.json and sae_weights.safetensors), read by `interp sae eval` and `interp run --sae`:
// wrong types, unknown keys, unsupported options, a reshape that does not fit the hook, bad or non-float weights.
using System.Text.Json.Nodes;
using Interp.Tensors;

namespace Interp.Host.Tests.Malformed;

public static class SaeCfgCases
{
    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("cfg.json", name, arrange, expect);

    private static Invocation Cfg(Scratch s, Action<JsonObject> edit) => Cmd.SaeEval(s, s.Sae(cfg: edit));

    private static Invocation Text(Scratch s, string text)
    {
        var sae = s.Sae();
        File.WriteAllText(Path.Combine(sae, "cfg.json"), text);
        return Cmd.SaeEval(s, sae);
    }

    private static Invocation Weights(Scratch s, Action<Dictionary<string, Tensor>> edit) => Cmd.SaeEval(s, s.Sae(weights: edit));

    private static void Replace(Dictionary<string, Tensor> ts, string name, Tensor t) { ts[name].Dispose(); ts[name] = t; }

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("not JSON", s => Text(s, "{\"d_in\": 64,"), "cfg.json", "JSON");
        yield return C("a JSON array", s => Text(s, "[64, 32]"), "cfg.json", "object");
        yield return C("no d_in", s => Cfg(s, c => c["d_in"] = null), "cfg.json", "d_in");
        yield return C("d_in a string", s => Cfg(s, c => c["d_in"] = "64"), "cfg.json", "d_in", "integer");
        yield return C("d_sae negative", s => Cfg(s, c => c["d_sae"] = -32), "cfg.json", "d_sae", "positive");
        yield return C("d_sae a fraction", s => Cfg(s, c => c["d_sae"] = 32.5), "cfg.json", "d_sae", "integer");
        yield return C("architecture unknown", s => Cfg(s, c => c["architecture"] = "gated"), "cfg.json", "gated");
        yield return C("architecture a number", s => Cfg(s, c => c["architecture"] = 3), "cfg.json", "architecture", "string");
        yield return C("k a string", s => Cfg(s, c => c["k"] = "4"), "cfg.json", "\"k\"", "number");
        yield return C("k above d_sae", s => Cfg(s, c => c["k"] = 64), "cfg.json", "k = 64");
        yield return C("topk without k", s => Cfg(s, c => c["k"] = null), "cfg.json", "k");
        yield return C("dtype int8", s => Cfg(s, c => c["dtype"] = "int8"), "cfg.json", "dtype", "int8", "float32");
        yield return C("normalize_activations unsupported", s => Cfg(s, c => c["normalize_activations"] = "layer_norm"), "cfg.json", "normalize_activations", "layer_norm");
        yield return C("normalize_activations a number", s => Cfg(s, c => c["normalize_activations"] = 1), "cfg.json", "normalize_activations");
        yield return C("reshape_activations unknown", s => Cfg(s, c => c["reshape_activations"] = "flatten"), "cfg.json", "reshape_activations", "flatten");
        yield return C("reshape hook_z on a residual-stream hook", s => Cfg(s, c => c["reshape_activations"] = "hook_z"), "cfg.json", "reshape_activations", "hook_resid_post");
        yield return C("reshape hook_z with a head index", s => Cfg(s, c =>
        {
            c["reshape_activations"] = "hook_z"; c["hook_name"] = "blocks.0.attn.hook_z"; c["hook_head_index"] = 1; c["d_in"] = 16;
        }), "cfg.json", "hook_head_index");
        yield return C("norm_scaling_factor zero", s => Cfg(s, c => c["norm_scaling_factor"] = 0), "cfg.json", "norm_scaling_factor");
        yield return C("hook_head_index negative", s => Cfg(s, c => c["hook_head_index"] = -1), "cfg.json", "hook_head_index");
        yield return C("unknown key (typo of d_sae)", s => Cfg(s, c => c["d_saee"] = 32), "cfg.json", "d_saee", "d_sae");
        yield return C("metadata not an object", s => Cfg(s, c => c["metadata"] = 5), "cfg.json", "metadata");
        yield return C("hook_name given twice, differently", s => Cfg(s, c => c["hook_point"] = "blocks.1.hook_resid_post"), "cfg.json", "hook_name", "keep one");
        yield return C("hook_name not a hook of the model", s => Cfg(s, c => c["hook_name"] = "blocks.0.hook_resid_postt"), "cfg.json", "hook_name", "blocks.0.hook_resid_postt", "blocks.0.hook_resid_post,");
        yield return C("d_in does not match the hook", s => Cfg(s, c => c["hook_name"] = "blocks.0.mlp.hook_post"), "cfg.json", "d_in", "256");
        yield return C("cfg.json missing", s =>
        {
            var sae = s.Sae();
            File.Delete(Path.Combine(sae, "cfg.json"));
            return Cmd.SaeEval(s, sae);
        }, "cfg.json");
        yield return C("cfg.json is a FIFO (must not hang)", s =>
        {
            var sae = s.Sae();
            File.Delete(Path.Combine(sae, "cfg.json"));
            s.Fifo("sae/cfg.json");
            return Cmd.SaeEval(s, sae);
        }, "cfg.json", "FIFO");
        yield return C("weights: W_enc holds NaN", s => Weights(s, ts =>
        {
            var a = ts["W_enc"].ToArray(); a[5] = float.NaN;
            Replace(ts, "W_enc", Tensor.FromArray(a, 64, 32));
        }), "sae_weights.safetensors", "W_enc", "NaN");
        yield return C("weights: W_dec stored as I32", s => Weights(s, ts => Replace(ts, "W_dec", Tensor.FromArray(new int[32 * 64], 32, 64))), "sae_weights.safetensors", "W_dec", "I32");
        yield return C("weights: no b_dec", s => Weights(s, ts => { ts["b_dec"].Dispose(); ts.Remove("b_dec"); }), "sae_weights.safetensors", "b_dec");
        yield return C("weights: W_enc of the wrong shape", s => Weights(s, ts => Replace(ts, "W_enc", Tensor.Zeros(32, 64))), "sae_weights.safetensors", "W_enc", "[32, 64]");
        yield return C("weights: sae_weights.safetensors missing", s =>
        {
            var sae = s.Sae();
            File.Delete(Path.Combine(sae, "sae_weights.safetensors"));
            return Cmd.SaeEval(s, sae);
        }, "sae_weights.safetensors");
        yield return C("weights: sae_weights.safetensors is a directory", s =>
        {
            var sae = s.Sae();
            File.Delete(Path.Combine(sae, "sae_weights.safetensors"));
            Directory.CreateDirectory(Path.Combine(sae, "sae_weights.safetensors"));
            return Cmd.SaeEval(s, sae);
        }, "sae_weights.safetensors", "directory");
        yield return C("sparsity.safetensors of the wrong shape", s =>
        {
            var sae = s.Sae();
            Interp.Tensors.IO.SafetensorsWriter.Write(Path.Combine(sae, "sparsity.safetensors"), new[] { ("sparsity", Tensor.Zeros(31)) });
            return Cmd.SaeEval(s, sae);
        }, "sparsity.safetensors", "sparsity");
        yield return C("run --sae with a reshape that does not fit", s =>
        {
            var sae = s.Sae(cfg: c => c["reshape_activations"] = "hook_z");
            return Cmd.Run(s, s.Model(), "--sae", sae);
        }, "cfg.json", "reshape_activations");
    }
}

// Kernel functions over the model: the catalogue (models, SAEs, hooks), tokenizing, running a prompt, reading a hook and
// comparing two prompts. Thin: each checks nothing itself and returns the primitive's record as JSON (ToolJson).
using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace Interp.Agent.Tools;

public sealed class ModelPlugin(InterpPrimitives p)
{
    [KernelFunction("list_models"), Description("Lists the model loaded in this session: name, architecture, layers, d_model, heads, d_head, d_mlp, vocabulary and context size. Always one model.")]
    public string ListModels() => ToolJson.Serialize(p.ListModels());

    [KernelFunction("list_saes"), Description("Lists the sparse autoencoders (SAEs) attached: name (pass it as 'sae' to feature tools), hook read, layer, d_sae, whether a latent cache gives examples, and how many features the index labels. Empty list: no SAE attached, feature tools unavailable.")]
    public async Task<string> ListSaes(CancellationToken ct = default) => ToolJson.Serialize(await p.ListSaesAsync(ct));

    [KernelFunction("list_hooks"), Description("Lists the model's hook points (TransformerLens names, e.g. blocks.1.hook_resid_post) in forward order with their shapes ('pos' = token axis). Empty list: the filter matched nothing.")]
    public string ListHooks(
        [Description("Only hooks whose name contains this text, e.g. 'resid_post' or 'attn.hook_z'; empty = all")] string? contains = null,
        [Description("Only hooks of this layer, 0..n_layers-1; omit for all layers")] int? layer = null) => ToolJson.Serialize(p.ListHooks(contains, layer));

    [KernelFunction("tokenize"), Description("Splits a text into the model's tokens: position, id and token text (leading spaces kept). Positions are what other tools' 'positions' refer to.")]
    public string Tokenize([Description("Text to tokenize, up to 4000 characters, e.g. 'The cat sat on the mat'")] string text) => ToolJson.Serialize(p.Tokenize(text));

    [KernelFunction("run_prompt"), Description("Runs a prompt and returns its tokens, the top next tokens after its last token with probabilities (0..1) and logits, and the mean next-token loss over the prompt (nats).")]
    public string RunPrompt(
        [Description("Prompt text, up to 4000 characters and the model's context, e.g. 'When Mary and John went to the store, John gave a drink to'")] string text,
        [Description("How many next tokens to list, 1..50")] int k = 5) => ToolJson.Serialize(p.RunPrompt(text, k));

    [KernelFunction("get_activations"), Description("Summarises a hook's activation per position: L2 norm, mean, max |value| and the k dimensions with the largest |value| (never the raw vector). Shapes come from list_hooks.")]
    public string GetActivations(
        [Description("Prompt text, up to 4000 characters")] string text,
        [Description("Hook name as list_hooks gives it, e.g. 'blocks.0.hook_resid_post'; an unknown name is answered with the nearest valid ones")] string hook,
        [Description("Comma-separated token positions, e.g. '0,3,-1' (-1 = last token); empty = every position (up to 64)")] string? positions = null,
        [Description("Top dimensions per position, 1..50")] int k = 5) => ToolJson.Serialize(p.GetActivations(text, hook, positions, k));

    [KernelFunction("compare_prompts"), Description("Runs two prompts and compares their next-token distributions after the last token: each one's top tokens and loss, KL(a‖b) in nats, and the tokens whose probability moved most.")]
    public string ComparePrompts(
        [Description("First prompt, e.g. 'The capital of France is'")] string text_a,
        [Description("Second prompt, e.g. 'The capital of Italy is'")] string text_b,
        [Description("Tokens to list, 1..50")] int k = 5) => ToolJson.Serialize(p.ComparePrompts(text_a, text_b, k));
}

// Kernel functions that intervene on a run (ablate features, heads, neurons; patch a hook; steer generation). Each runs on
// the call's own copy of the run: nothing persists after the call.
using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace Interp.Agent.Tools;

public sealed class InterventionPlugin(InterpPrimitives p)
{
    private const string MetricDoc = "With 'answer' (and 'wrong') the result also reports the metric before/after: logit difference answer − wrong in logits, or with 'answer' alone log p(answer) in nats.";

    [KernelFunction("ablate_features"), Description("Sets SAE features to 0 (SAE spliced in with its error term, so only the edit changes the model) and reports the effect on the next-token distribution after the last token: top tokens before/after, KL in nats, largest probability shifts, loss before/after. " + MetricDoc)]
    public string AblateFeatures(
        [Description("Prompt text, up to 4000 characters")] string text,
        [Description("Comma-separated feature indices, 0..d_sae-1, up to 64, e.g. '12,40'")] string features,
        [Description("SAE name from list_saes; may be omitted when one SAE is attached")] string? sae = null,
        [Description("Comma-separated positions to ablate at, e.g. '-1'; empty = every position")] string? positions = null,
        [Description("Expected next token (a single token, e.g. ' Mary')")] string? answer = null,
        [Description("Competing next token for the logit difference, e.g. ' John'")] string? wrong = null,
        [Description("Tokens to list, 1..50")] int k = 5) => ToolJson.Serialize(p.AblateFeatures(text, sae, features, positions, answer, wrong, k));

    [KernelFunction("ablate_heads"), Description("Zero-ablates attention heads (their attn.hook_z output) and reports the effect on the next-token distribution after the last token. " + MetricDoc)]
    public string AblateHeads(
        [Description("Prompt text, up to 4000 characters")] string text,
        [Description("Comma-separated heads as L<layer>.H<head>, e.g. 'L1.H3,L0.H2'")] string heads,
        [Description("Comma-separated positions, e.g. '-1'; empty = every position")] string? positions = null,
        [Description("Expected next token (single token)")] string? answer = null,
        [Description("Competing next token for the logit difference")] string? wrong = null,
        [Description("Tokens to list, 1..50")] int k = 5) => ToolJson.Serialize(p.AblateHeads(text, heads, positions, answer, wrong, k));

    [KernelFunction("ablate_neurons"), Description("Zero-ablates MLP neurons (their mlp.hook_post value) and reports the effect on the next-token distribution after the last token. " + MetricDoc)]
    public string AblateNeurons(
        [Description("Prompt text, up to 4000 characters")] string text,
        [Description("Comma-separated neurons as L<layer>.N<index>, e.g. 'L0.N12,L1.N7'")] string neurons,
        [Description("Comma-separated positions, e.g. '-1'; empty = every position")] string? positions = null,
        [Description("Expected next token (single token)")] string? answer = null,
        [Description("Competing next token for the logit difference")] string? wrong = null,
        [Description("Tokens to list, 1..50")] int k = 5) => ToolJson.Serialize(p.AblateNeurons(text, neurons, positions, answer, wrong, k));

    [KernelFunction("patch_activation"), Description("Activation patching: runs the clean prompt, copies one hook's activation (at chosen positions) into the run of the corrupted prompt, and reports the metric on clean, corrupted and patched runs and the fraction recovered, (patched − corrupted)/(clean − corrupted): 1 = fully restored, 0 = no effect. Prompts must have the same number of tokens. Without 'answer', the clean run's top token is the answer and the corrupted run's top token the wrong one.")]
    public string PatchActivation(
        [Description("Clean prompt, e.g. 'When Mary and John went to the store, John gave a drink to'")] string clean,
        [Description("Corrupted prompt with the same token count, e.g. 'When Mary and John went to the store, Ruth gave a drink to'")] string corrupted,
        [Description("Hook to patch, e.g. 'blocks.1.hook_resid_post' (list_hooks)")] string hook,
        [Description("Comma-separated positions to patch, e.g. '7'; empty = every position")] string? positions = null,
        [Description("Expected next token of the clean prompt (single token)")] string? answer = null,
        [Description("Competing token")] string? wrong = null,
        [Description("Tokens to list, 1..50")] int k = 5) => ToolJson.Serialize(p.PatchActivation(clean, corrupted, hook, positions, answer, wrong, k));

    [KernelFunction("steer_generate"), Description("Generates a continuation greedily twice, without and with a feature's unit decoder direction × strength added to the residual stream at the SAE's hook (every position), side by side. Residual-stream SAEs only.")]
    public string SteerGenerate(
        [Description("Prompt text, e.g. 'I went to the'")] string text,
        [Description("Feature index, 0..d_sae-1")] int feature,
        [Description("Multiple of the unit direction to add, -200..200; typical 4..20 (negative pushes away)")] double strength,
        [Description("SAE name from list_saes; may be omitted when one SAE is attached")] string? sae = null,
        [Description("Tokens to generate, 1..64")] int max_new_tokens = 20) => ToolJson.Serialize(p.SteerGenerate(text, sae, feature, strength, max_new_tokens));
}

// An SAE's hook point names as fields (SAELens's, prefixed by the hook it is spliced at): <hook_name>.hook_sae_input,
// .hook_sae_acts_pre, .hook_sae_acts_post, .hook_sae_recons, .hook_sae_error, .hook_sae_output. The names come from
// the model's HookTable (HookTable.SaePointName), the one place that spells them.
using Interp.Models;

namespace Interp.Dictionaries;

public sealed class SaeHookNames
{
    /// <summary>The model hook the SAE is spliced at (its cfg.json hook_name).</summary>
    public string HookName { get; }
    /// <summary>What the SAE reads, before normalisation: [.., d_in].</summary>
    public string Input { get; }
    /// <summary>Pre-activations [.., d_sae].</summary>
    public string ActsPre { get; }
    /// <summary>Feature activations [.., d_sae]: cache, ablate, clamp or steer features here.</summary>
    public string ActsPost { get; }
    /// <summary>acts_post · W_dec + b_dec, before de-normalisation: [.., d_in].</summary>
    public string Recons { get; }
    /// <summary>x - SAE(x) (computed without the SAE's hooks), only when spliced with the error term: [.., d_in].</summary>
    public string Error { get; }
    /// <summary>What the model continues with: the reconstruction (+ error): [.., d_in].</summary>
    public string Output { get; }

    public SaeHookNames(string hookName)
    {
        HookName = hookName;
        Input = HookTable.SaePointName(hookName, HookKind.SaeInput); ActsPre = HookTable.SaePointName(hookName, HookKind.SaeActsPre);
        ActsPost = HookTable.SaePointName(hookName, HookKind.SaeActsPost); Recons = HookTable.SaePointName(hookName, HookKind.SaeRecons);
        Error = HookTable.SaePointName(hookName, HookKind.SaeError); Output = HookTable.SaePointName(hookName, HookKind.SaeOutput);
    }

    public string this[SaeStage stage] => stage switch
    {
        SaeStage.Input => Input,
        SaeStage.ActsPre => ActsPre,
        SaeStage.ActsPost => ActsPost,
        SaeStage.Recons => Recons,
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    /// <summary>The hook points in the order a forward pass reaches them (hook_sae_error only with the error term).</summary>
    public IReadOnlyList<string> InOrder(bool includeError) =>
        includeError ? new[] { Input, ActsPre, ActsPost, Recons, Error, Output } : new[] { Input, ActsPre, ActsPost, Recons, Output };
}

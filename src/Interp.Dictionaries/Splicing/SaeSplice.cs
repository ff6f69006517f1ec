// Splices an SAE into a HookedTransformer at its hook_name for as long as the handle lives. The model continues with
// the SAE's reconstruction (plus the error term when asked), and the SAE's hook points (SaeHookNames) can be cached,
// edited (feature ablation, clamping, steering at hook_sae_acts_post) and differentiated like any model hook.
using Interp.Models;
using Interp.Tensors;

namespace Interp.Dictionaries;

public sealed class SaeSplice : IDisposable
{
    public Sae Sae { get; }
    public SaeHookNames Names { get; }
    /// <summary>With the error term the model continues with SAE(x) + (x - SAE(x)), which equals x until something
    /// edits the SAE's hook points; without it, with SAE(x) (a different model, whose loss is the SAE's CE loss).</summary>
    public bool IncludeError { get; }
    /// <summary>The SAE's hook points in forward order (hook_sae_error only with the error term).</summary>
    public IReadOnlyList<string> HookPoints => Names.InOrder(IncludeError);

    private readonly HookLayout _layout;
    private readonly IDisposable _scope;
    private readonly string[] _inner;

    private SaeSplice(HookedTransformer model, Sae sae, string hook, bool includeError, HookLayout layout)
    {
        Sae = sae; Names = new SaeHookNames(hook); IncludeError = includeError; _layout = layout;
        _inner = new[] { Names.Input, Names.ActsPre, Names.ActsPost, Names.Recons };
        _scope = model.Splice(hook, HookPoints, Run);
    }

    /// <summary>
    /// Splices <paramref name="sae"/> at <paramref name="hookName"/> (default: its cfg.json hook_name) until the
    /// handle is disposed (the SAE itself stays the caller's). Errors: unknown hook, a hook an SAE cannot read, or
    /// d_in different from the hook's width (heads·d_head for attn.hook_q/k/v/z, d_head with hook_head_index).
    /// Gradients: the error term is x - SAE(x) recomputed without the SAE's hooks and kept in the graph, so unedited,
    /// the spliced model's output and all gradients upstream of the hook equal the plain model's; the gradient at
    /// hook_sae_acts_post is W_dec·(d metric / d output) and at hook_sae_error it is d metric / d output.
    /// </summary>
    public static SaeSplice Attach(HookedTransformer model, Sae sae, bool includeError = true, string? hookName = null)
    {
        var (hook, layout) = Resolve(model, sae, hookName);
        return new SaeSplice(model, sae, hook, includeError, layout);
    }

    public void Dispose() => _scope.Dispose();

    /// <summary>Checks that <paramref name="sae"/> can read <paramref name="hookName"/> (default its hook_name) of
    /// <paramref name="model"/> and says how (width, heads).</summary>
    internal static (string hook, HookLayout layout) Resolve(HookedTransformer model, Sae sae, string? hookName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        string hook = hookName ?? sae.Cfg.HookName;
        if (string.IsNullOrWhiteSpace(hook)) throw new ArgumentException("the SAE's cfg.json has no hook_name; pass the model hook to splice it at.");
        model.ValidateHookName(hook);
        if (sae.Cfg.NormalizeActivations == SaeConfig.NormExpectedAverageOnlyIn && sae.Cfg.NormScalingFactor is null)
            throw new ArgumentException("the SAE normalizes its input (expected_average_only_in) but its cfg.json has no norm_scaling_factor; add it " +
                "(sqrt(d_in) / mean ‖x‖ of the hook's activations, Sae.EstimateNormScalingFactor) or fold it into the weights first.");
        var layout = HookLayout.Describe(model.Config, hook, sae.Cfg.HookHeadIndex);
        if (layout.Width != sae.DIn)
            throw new ArgumentException($"the SAE has d_in = {sae.DIn} but '{hook}' of this {model.Config.ModelType} model is {layout.Width} wide" +
                $"{(layout.HasHeads ? (layout.HeadIndex is null ? $" ({layout.Heads} heads × d_head {layout.DHead}, flattened)" : $" (one head, d_head {layout.DHead})") : "")}" +
                $"; the SAE was made for {(sae.Cfg.ModelName is { } m ? $"model '{m}'" : "another model")} — check that the SAE and the model match.");
        return (hook, layout);
    }

    /// <summary>The splice itself: act is the hook's activation ([batch, pos, d] or [batch, pos, heads, d_head]).</summary>
    private Tensor Run(Tensor act, HookRun run)
    {
        if (act.DType != Sae.DType)
            throw new InvalidOperationException($"the activation at '{Names.HookName}' is {act.DType} but the SAE is {Sae.DType}; load the SAE in {act.DType}.");
        Tensor x = _layout.Read(act, Names.HookName);                                   // [batch, pos, d_in], a view we own
        try
        {
            if (x.Shape[^1] != Sae.DIn)
                throw new InvalidOperationException($"the activation at '{Names.HookName}' gives rows of {x.Shape[^1]} but the SAE has d_in = {Sae.DIn}.");
            bool inner = _inner.Any(run.Wants);
            var xhat = inner ? Sae.Forward(x, (stage, v) => run.At(Names[stage], v)) : Sae.Forward(x);
            Tensor output = xhat;
            if (IncludeError)
            {
                var clean = inner ? Sae.Forward(x) : xhat;            // the reconstruction no hook has touched
                var err = x - clean;
                if (inner) clean.Dispose();
                err = run.At(Names.Error, err);
                output = xhat + err;
                xhat.Dispose(); err.Dispose();
            }
            output = run.At(Names.Output, output);
            return _layout.Write(act, output);
        }
        finally
        {
            if (!ReferenceEquals(x, act)) x.Dispose();
        }
    }
}

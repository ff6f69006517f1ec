// Splices an SAE into a HookedTransformer at its hook_name for as long as the handle lives. The model continues with
// the SAE's reconstruction (plus the error term when asked), and the SAE's hook points (its rows in the model's
// HookTable while spliced) can be cached, edited (feature ablation, clamping, steering at hook_sae_acts_post) and
// differentiated like any model hook. The splice runs in its own TensorScope and keeps only what it returns.
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
    /// <summary>The same points as hook-table records (kind, layer, [batch, pos, d_in | d_sae]).</summary>
    public IReadOnlyList<HookPoint> Points { get; }

    private readonly HookLayout _layout;
    private readonly IDisposable _handle;
    private readonly string[] _inner;

    private SaeSplice(HookedTransformer model, Sae sae, HookPoint anchor, bool includeError, HookLayout layout)
    {
        Sae = sae; Names = new SaeHookNames(anchor.Name); IncludeError = includeError; _layout = layout;
        _inner = new[] { Names.Input, Names.ActsPre, Names.ActsPost, Names.Recons };
        Points = HookTable.SaePoints(anchor, sae.DIn, sae.DSae, includeError);
        _handle = model.Splice(anchor.Name, Points, Run);
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
        return new SaeSplice(model, sae, model.HookTable[hook], includeError, layout);
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>The hook points an SAE with <paramref name="cfg"/> adds when spliced into a model with hook table
    /// <paramref name="table"/> (at its hook_name, or <paramref name="hookName"/>), after checking it can read that hook:
    /// what `interp hooks --sae` prints, without loading weights.</summary>
    public static IReadOnlyList<HookPoint> PointsFor(HookTable table, SaeConfig cfg, bool includeError = true, string? hookName = null)
    {
        var (anchor, _) = Layout(table, cfg, hookName ?? cfg.HookName, cfg.ModelName);
        return HookTable.SaePoints(anchor, cfg.DIn, cfg.DSae, includeError);
    }

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
        var (anchor, layout) = Layout(model.HookTable, sae.Cfg, hook, sae.Cfg.ModelName);
        return (anchor.Name, layout);
    }

    /// <summary>The model hook an SAE with <paramref name="cfg"/> reads at <paramref name="hook"/>, and how; throws for
    /// an unknown hook (with the nearest names), one an SAE cannot read, or a width other than d_in.</summary>
    private static (HookPoint anchor, HookLayout layout) Layout(HookTable table, SaeConfig cfg, string hook, string? modelName)
    {
        if (string.IsNullOrWhiteSpace(hook)) throw new ArgumentException("the SAE's cfg.json has no hook_name; pass the model hook to splice it at.");
        var anchor = table[hook];
        var layout = HookLayout.Describe(anchor, cfg.HookHeadIndex);
        if (layout.Width != cfg.DIn)
            throw new ArgumentException($"the SAE has d_in = {cfg.DIn} but '{hook}' of this {table.Config.ModelType} model is {layout.Width} wide" +
                $"{(layout.HasHeads ? (layout.HeadIndex is null ? $" ({layout.Heads} heads × d_head {layout.DHead}, flattened)" : $" (one head, d_head {layout.DHead})") : "")}" +
                $"; the SAE was made for {(modelName is { } m ? $"model '{m}'" : "another model")} — check that the SAE and the model match.");
        return (anchor, layout);
    }

    /// <summary>The splice itself: act is the hook's activation ([batch, pos, d] or [batch, pos, heads, d_head]).</summary>
    private Tensor Run(Tensor act, HookRun run)
    {
        if (act.DType != Sae.DType)
            throw new InvalidOperationException($"the activation at '{Names.HookName}' is {act.DType} but the SAE is {Sae.DType}; load the SAE in {act.DType}.");
        using var scope = TensorScope.Begin();   // a callback runs in its caller's scope: free our temporaries, keep the result
        var x = _layout.Read(act, Names.HookName);                                     // [batch, pos, d_in] (act itself or a view)
        if (x.Shape[^1] != Sae.DIn)
            throw new InvalidOperationException($"the activation at '{Names.HookName}' gives rows of {x.Shape[^1]} but the SAE has d_in = {Sae.DIn}.");
        bool inner = _inner.Any(run.Wants);
        var xhat = inner ? Sae.Forward(x, (stage, v) => run.At(Names[stage], v)) : Sae.Forward(x);
        var output = xhat;
        if (IncludeError)
        {
            var clean = inner ? Sae.Forward(x) : xhat;                // the reconstruction no hook has touched
            output = xhat + run.At(Names.Error, x - clean);
        }
        return scope.Keep(_layout.Write(act, run.At(Names.Output, output)));
    }
}

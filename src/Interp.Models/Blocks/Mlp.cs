// The two MLP shapes: act(x·W_in + b_in)·W_out + b_out, and the gated act(x·W_gate) ⊙ (x·W_up)·W_down.
// Called inside the MLP sublayer's TensorScope, which frees the intermediates.
using Interp.Tensors;

namespace Interp.Models;

internal static class Mlp
{
    public static Tensor Act(Tensor x, ActivationKind a) => a switch
    {
        ActivationKind.GeluNew => TensorOps.GeluNew(x),
        ActivationKind.Gelu => TensorOps.Gelu(x),
        ActivationKind.Silu => TensorOps.Silu(x),
        ActivationKind.Relu => TensorOps.Relu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <param name="x">[batch, pos, d_model]</param>
    public static Tensor Plain(Tensor x, Linear fcIn, Linear fcOut, ActivationKind act, LayerHooks h, HookRun run)
    {
        var pre = run.At(h.MlpPre, fcIn.Forward(x));     // [batch, pos, d_mlp]
        var post = run.At(h.MlpPost, Act(pre, act));     // [batch, pos, d_mlp]
        return fcOut.Forward(post);                      // [batch, pos, d_model]
    }

    public static Tensor Gated(Tensor x, Linear gate, Linear up, Linear down, ActivationKind act, LayerHooks h, HookRun run)
    {
        var pre = run.At(h.MlpPre, gate.Forward(x));           // [batch, pos, d_mlp]
        var preLin = run.At(h.MlpPreLinear, up.Forward(x));    // [batch, pos, d_mlp]
        var post = run.At(h.MlpPost, Act(pre, act) * preLin);  // [batch, pos, d_mlp]
        return down.Forward(post);                             // [batch, pos, d_model]
    }
}

// The two MLP shapes: act(x·W_in + b_in)·W_out + b_out, and the gated act(x·W_gate) ⊙ (x·W_up)·W_down.
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
        pre.Dispose();
        var y = fcOut.Forward(post);
        post.Dispose();
        return y;
    }

    public static Tensor Gated(Tensor x, Linear gate, Linear up, Linear down, ActivationKind act, LayerHooks h, HookRun run)
    {
        var pre = run.At(h.MlpPre, gate.Forward(x));           // [batch, pos, d_mlp]
        var preLin = run.At(h.MlpPreLinear, up.Forward(x));    // [batch, pos, d_mlp]
        using var a = Act(pre, act);
        var post = run.At(h.MlpPost, a * preLin);
        pre.Dispose(); preLin.Dispose();
        var y = down.Forward(post);
        post.Dispose();
        return y;
    }
}

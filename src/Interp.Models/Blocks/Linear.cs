// y = x·W (+ b) for weights stored [in, out] (GPT-2 Conv1D) or [out, in] (nn.Linear, read as a
// transposed view, no copy).
using Interp.Tensors;

namespace Interp.Models;

internal readonly record struct Linear(Tensor W, Tensor? B, bool OutIn)
{
    public int In => OutIn ? W.Shape[1] : W.Shape[0];
    public int Out => OutIn ? W.Shape[0] : W.Shape[1];

    /// <param name="x">[..., in]</param>
    /// <returns>[..., out]</returns>
    public Tensor Forward(Tensor x)
    {
        Tensor y;
        if (OutIn) { using var wt = W.T; y = TensorOps.MatMul(x, wt); }
        else y = TensorOps.MatMul(x, W);
        if (B is null) return y;
        var yb = y + B;
        y.Dispose();
        return yb;
    }
}

// y = x·W (+ b) for weights stored [in, out] (GPT-2 Conv1D) or [out, in] (nn.Linear, read as a
// transposed view, no copy). Called inside a block's TensorScope, which frees the pre-bias product.
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
        var y = TensorOps.MatMul(x, OutIn ? W.T : W);
        return B is null ? y : y + B;
    }
}

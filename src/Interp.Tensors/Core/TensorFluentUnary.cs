// Fluent instance forms of the elementwise ops, selection and dtype conversion (x.Exp(), x.Gelu(), x.To(DType.F64)),
// forwarding to TensorOps in Ops/Unary.cs, Activations.cs, Where.cs and Cast.cs. No logic lives here.
namespace Interp.Tensors;

public sealed partial class Tensor
{
    public Tensor To(DType dtype) => TensorOps.To(this, dtype);

    public Tensor Exp() => TensorOps.Exp(this);
    public Tensor Log() => TensorOps.Log(this);
    public Tensor Sqrt() => TensorOps.Sqrt(this);
    public Tensor Rsqrt() => TensorOps.Rsqrt(this);
    public Tensor Pow(double p) => TensorOps.Pow(this, p);
    public Tensor Square() => TensorOps.Square(this);
    public Tensor Abs() => TensorOps.Abs(this);
    public Tensor Clamp(double min, double max) => TensorOps.Clamp(this, min, max);

    public Tensor Tanh() => TensorOps.Tanh(this);
    public Tensor Sigmoid() => TensorOps.Sigmoid(this);
    public Tensor Relu() => TensorOps.Relu(this);
    public Tensor Silu() => TensorOps.Silu(this);
    public Tensor Gelu() => TensorOps.Gelu(this);
    public Tensor GeluNew() => TensorOps.GeluNew(this);
    public Tensor Erf() => TensorOps.Erf(this);

    /// <summary>This tensor with <paramref name="value"/> where <paramref name="mask"/> (broadcast to this shape) is nonzero.</summary>
    public Tensor MaskedFill(Tensor mask, double value) => TensorOps.MaskedFill(this, mask, value);
}

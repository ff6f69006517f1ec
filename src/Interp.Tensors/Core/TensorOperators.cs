// C# operators and fluent instance forms that forward to TensorOps, so model code reads like math.
namespace Interp.Tensors;

public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => TensorOps.Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => TensorOps.Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => TensorOps.Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => TensorOps.Div(a, b);
    public static Tensor operator +(Tensor a, double s) => TensorOps.Add(a, s);
    public static Tensor operator -(Tensor a, double s) => TensorOps.Sub(a, s);
    public static Tensor operator *(Tensor a, double s) => TensorOps.Mul(a, s);
    public static Tensor operator *(double s, Tensor a) => TensorOps.Mul(a, s);
    public static Tensor operator /(Tensor a, double s) => TensorOps.Div(a, s);
    public static Tensor operator -(double s, Tensor a) => TensorOps.RSub(s, a);
    public static Tensor operator -(Tensor a) => TensorOps.Neg(a);

    public Tensor Contiguous() => TensorOps.Contiguous(this);
    public Tensor Reshape(params int[] shape) => TensorOps.Reshape(this, shape);
    public Tensor View(params int[] shape) => TensorOps.Reshape(this, shape);
    public Tensor Transpose(int d0, int d1) => TensorOps.Transpose(this, d0, d1);
    public Tensor Permute(params int[] dims) => TensorOps.Permute(this, dims);
    public Tensor Narrow(int axis, int start, int length) => TensorOps.Narrow(this, axis, start, length);
    public Tensor Select(int axis, int index) => TensorOps.Select(this, axis, index);
    public Tensor Expand(params int[] shape) => TensorOps.Expand(this, shape);
    public Tensor Unsqueeze(int axis) => TensorOps.Unsqueeze(this, axis);
    public Tensor Squeeze(int axis) => TensorOps.Squeeze(this, axis);
    public Tensor MatMul(Tensor other) => TensorOps.MatMul(this, other);
    /// <summary>The transpose of the last two axes.</summary>
    public Tensor T => TensorOps.Transpose(this, -2, -1);
}

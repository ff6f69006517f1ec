// Which slice of an activation an intervention touches: positions (axis 1), heads (axis 2 of
// [batch, pos, head, d_head] hooks) and/or features (last axis: neurons, residual dims). Null = all.
using Interp.Tensors;

namespace Interp.Models;

public sealed record Selection(int[]? Positions = null, int[]? Heads = null, int[]? Features = null)
{
    public static readonly Selection All = new();

    /// <summary>A 0/1 mask with x's shape (x: [batch, pos, ...]); negative indices count from the end.</summary>
    public Tensor Mask(Tensor x)
    {
        if (x.Rank < 2) throw new ArgumentException($"interventions expect [batch, pos, ...] activations, got [{ShapeUtil.Str(x.Shape)}].");
        if (Heads is not null && x.Rank != 4) throw new ArgumentException($"head selection needs a [batch, pos, head, d_head] hook (attn.hook_z/q/k/v), got [{ShapeUtil.Str(x.Shape)}].");
        int pos = x.Shape[1], last = x.Shape[^1];
        var pSel = Resolve(Positions, pos, "position");
        var hSel = Heads is null ? null : Resolve(Heads, x.Shape[2], "head");
        var fSel = Resolve(Features, last, "feature");
        var mask = Tensor.Zeros(x.DType, x.Shape);
        int inner = ShapeUtil.Numel(x.Shape.AsSpan(2));   // elements per (batch, pos)
        int perHead = x.Rank == 4 ? x.Shape[3] : inner;
        for (int b = 0; b < x.Shape[0]; b++)
            for (int p = 0; p < pos; p++)
            {
                if (!pSel[p]) continue;
                int baseOff = (b * pos + p) * inner;
                for (int i = 0; i < inner; i++)
                {
                    int h = x.Rank == 4 ? i / perHead : 0;
                    if (hSel is not null && !hSel[h]) continue;
                    if (!fSel[i % last]) continue;
                    Set(mask, baseOff + i);
                }
            }
        return mask;
    }

    private static void Set(Tensor m, int i)
    {
        if (m.DType == DType.F32) m.Data<float>()[i] = 1f; else m.Data<double>()[i] = 1.0;
    }

    private static bool[] Resolve(int[]? idx, int n, string what)
    {
        var sel = new bool[n];
        if (idx is null) { Array.Fill(sel, true); return sel; }
        foreach (var i0 in idx)
        {
            int i = i0 < 0 ? i0 + n : i0;
            if (i < 0 || i >= n) throw new ArgumentOutOfRangeException(what, $"{what} index {i0} is out of range (size {n}).");
            sel[i] = true;
        }
        return sel;
    }
}

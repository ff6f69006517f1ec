// Element types. F32 is the compute type; F64 exists so gradients can be checked against finite
// differences in double precision; F16/BF16 only occur on disk and are widened on load; I64/I32 index.
namespace Interp.Tensors;

public enum DType { F32, F64, F16, BF16, I64, I32 }

public static class DTypeInfo
{
    /// <summary>Bytes per element as stored on disk / in memory.</summary>
    public static int SizeOf(DType t) => t switch
    {
        DType.F32 => 4, DType.F64 => 8, DType.F16 => 2, DType.BF16 => 2, DType.I64 => 8, DType.I32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    public static bool IsFloat(DType t) => t is DType.F32 or DType.F64;

    /// <summary>The safetensors spelling ("F32", "BF16", "I64", ...).</summary>
    public static string SafetensorsName(DType t) => t switch
    {
        DType.F32 => "F32", DType.F64 => "F64", DType.F16 => "F16", DType.BF16 => "BF16",
        DType.I64 => "I64", DType.I32 => "I32", _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static bool TryParseSafetensors(string s, out DType t)
    {
        switch (s)
        {
            case "F32": t = DType.F32; return true;
            case "F64": t = DType.F64; return true;
            case "F16": t = DType.F16; return true;
            case "BF16": t = DType.BF16; return true;
            case "I64": t = DType.I64; return true;
            case "I32": t = DType.I32; return true;
            default: t = default; return false;
        }
    }
}

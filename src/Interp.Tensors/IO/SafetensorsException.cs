// The one exception type for malformed safetensors files and shard indexes. Its message always names
// the file and, when the fault belongs to one tensor, that tensor. Not used for "tensor not found".
// Derives from IOException: System.IO.InvalidDataException is sealed, so it cannot be the base.
using Interp.Errors;

namespace Interp.Tensors.IO;

public sealed class SafetensorsException : IOException, IUserError
{
    /// <summary>The file (safetensors file or index JSON) that is malformed, as a full path.</summary>
    public string FilePath { get; }

    /// <summary>The tensor the fault belongs to, or null for whole-file faults.</summary>
    public string? TensorName { get; }

    public SafetensorsException(string filePath, string? tensorName, string detail, Exception? inner = null)
        : base(Format(filePath, tensorName, detail), inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
        What = "malformed safetensors file: " + detail.TrimEnd('.');
    }

    public ErrorKind Kind => ErrorKind.Format;
    public string What { get; }
    public string? Where => TensorName is null ? FilePath : $"{FilePath}, tensor '{TensorName}'";
    public string? Hint => "the file is damaged or not a safetensors file; re-download or re-export it";

    private static string Format(string filePath, string? tensorName, string detail) =>
        tensorName is null
            ? $"Malformed safetensors file '{filePath}': {detail}"
            : $"Malformed safetensors file '{filePath}', tensor '{tensorName}': {detail}";
}

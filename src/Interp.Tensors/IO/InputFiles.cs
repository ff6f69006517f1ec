// Where files enter: every input file is checked to be a regular file before it is opened (a FIFO would hang the
// process, a device would never end, a directory gives an unhelpful OS error) and read errors name the file and its role.
using Interp.Errors;

namespace Interp.Tensors.IO;

public static class InputFiles
{
    /// <summary>Throws unless <paramref name="path"/> is a regular file (after following links). <paramref name="role"/>
    /// says what the file is for ("config.json", "--input-ids"), for the message.</summary>
    public static void RequireRegular(string path, string role)
    {
        var kind = FileKinds.Of(path);
        if (kind == FileKind.Regular) return;
        if (kind == FileKind.Missing)
            throw new InterpException($"{role} does not exist", path, "check the path", ErrorKind.NotFound);
        throw new InterpException($"{role} is {FileKinds.Describe(kind)}, not a regular file", path,
            kind == FileKind.Directory ? "give the path of a file, not a folder" : "copy the data into a regular file and pass that", ErrorKind.Input);
    }

    /// <summary>The text of a regular file (UTF-8), or an error naming the file and its role.</summary>
    public static string ReadAllText(string path, string role)
    {
        RequireRegular(path, role);
        return File.ReadAllText(path);
    }

    /// <summary>The bytes of a regular file, or an error naming the file and its role.</summary>
    public static byte[] ReadAllBytes(string path, string role)
    {
        RequireRegular(path, role);
        return File.ReadAllBytes(path);
    }
}

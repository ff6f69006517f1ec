// One row of the malformed-input table: how to build the bad input in a scratch folder, the command line that reads it,
// and the fragments the error must contain (the file and the field). MalformedInputTests runs every row through the
// real entry point and checks exit code 2, one clean "error:" message, no stack trace and no exception type names.
namespace Interp.Host.Tests.Malformed;

public sealed record Invocation(string[] Args, IReadOnlyDictionary<string, string?>? Env = null);

public sealed record MalformedCase(string Kind, string Name, Func<Scratch, Invocation> Arrange, params string[] Expect)
{
    public string Id => $"{Kind}: {Name}";
}

/// <summary>Shorthands the case tables share.</summary>
internal static class Cmd
{
    public static Invocation Of(params string[] args) => new(args);

    public static string Ids(Scratch s, string json = "[[1, 2, 3, 4]]", string name = "ids.json") => s.Write(name, json);

    /// <summary>`interp run` over <paramref name="model"/> with small valid ids.</summary>
    public static Invocation Run(Scratch s, string model, params string[] extra) =>
        new(["run", "--model", model, "--input-ids", Ids(s), "--out", s.Path("out.safetensors"), .. extra]);

    /// <summary>`interp sae eval` with gpt2-tiny and <paramref name="sae"/>.</summary>
    public static Invocation SaeEval(Scratch s, string sae, string? model = null) =>
        new(["sae", "eval", "--model", model ?? s.Model(), "--sae", sae, "--input-ids", Ids(s)]);

    /// <summary>`interp tokenize` with <paramref name="tokenizer"/> over two texts.</summary>
    public static Invocation Tokenize(Scratch s, string tokenizer) =>
        new(["tokenize", "--tokenizer", tokenizer, "--input", s.Write("texts.json", """["w1 w2", "w3"]""")]);
}

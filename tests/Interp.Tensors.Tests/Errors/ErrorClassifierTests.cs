// ErrorClassifier: which exceptions are a user's to fix (what, where, hint, kind) and which are bugs (internal), the
// same for every face (CLI, service, tools). Messages never carry .NET type names or stack frames.
using System.Text.Json;
using Interp.Errors;
using Interp.Tensors.IO;
using Interp.Tensors.Optim;

namespace Interp.Tensors.Tests.Errors;

public class ErrorClassifierTests
{
    private static Exception Thrown(Action a)
    {
        try { a(); } catch (Exception e) { return e; }
        throw new InvalidOperationException("did not throw");
    }

    [Fact]
    public void Classify_TypedError_KeepsItsParts()
    {
        var r = ErrorClassifier.Classify(new ConfigException("\"k\" is 0", "/a/cfg.json", "k", "use 1 or more"));
        Assert.Equal(new ErrorReport(ErrorKind.Config, "\"k\" is 0", "/a/cfg.json", "use 1 or more"), r);
        Assert.Equal("\"k\" is 0 (/a/cfg.json); use 1 or more", r.Text);
    }

    [Fact]
    public void Classify_SafetensorsError_NamesFileAndTensor()
    {
        var r = ErrorClassifier.Classify(new SafetensorsException("/m/model.safetensors", "wte.weight", "the byte range is wrong."));
        Assert.Equal(ErrorKind.Format, r.Kind);
        Assert.Equal("/m/model.safetensors, tensor 'wte.weight'", r.Where);
        Assert.Contains("the byte range is wrong", r.What);
    }

    [Theory]
    [InlineData(28, ErrorKind.Resource, "no space left on device")]
    [InlineData(30, ErrorKind.Permission, "read-only file system")]
    [InlineData(21, ErrorKind.Input, "is a directory, not a file")]
    [InlineData(32, ErrorKind.Io, "the output stream is closed")]
    public void Classify_IoErrorByErrno_SaysWhatHappenedAndWhere(int errno, ErrorKind kind, string what)
    {
        var r = ErrorClassifier.Classify(new IOException("Some OS text : '/data/out.bin'", errno));
        Assert.Equal((kind, what, "/data/out.bin"), (r.Kind, r.What, r.Where));
        Assert.NotNull(r.Hint);
    }

    [Fact]
    public void Classify_DiskFullForReal_IsAResourceErrorNamingThePath()
    {
        var e = Thrown(() => { using var f = new FileStream("/dev/full", FileMode.Open, FileAccess.Write); f.Write(new byte[16]); f.Flush(); });
        var r = ErrorClassifier.Classify(e);
        Assert.Equal((ErrorKind.Resource, "no space left on device"), (r.Kind, r.What));
        Assert.Equal("/dev/full", r.Where);
    }

    [Fact]
    public void Classify_PermissionAndMissingFiles_AreExpected()
    {
        Assert.Equal(ErrorKind.Permission, ErrorClassifier.Classify(new UnauthorizedAccessException("Access to the path '/x' is denied.")).Kind);
        Assert.Equal(ErrorKind.NotFound, ErrorClassifier.Classify(Thrown(() => File.ReadAllText("/no/such/file.json"))).Kind);
    }

    [Fact]
    public void Classify_JsonError_HasNoTypeNames()
    {
        var r = ErrorClassifier.Classify(Thrown(() => JsonSerializer.Deserialize<long[][]>("[[1, \"x\"]]")));
        Assert.Equal(ErrorKind.Format, r.Kind);
        Assert.Contains("$[0][1]", r.What);
        Assert.DoesNotContain("System.", r.What);
    }

    [Fact]
    public void Classify_ArgumentExceptionFromInterpCode_IsInputFromTheRuntime_IsABug()
    {
        var ours = Thrown(() => new Adam([], lr: -1));
        Assert.Equal(ErrorKind.Input, ErrorClassifier.Classify(ours).Kind);
        var runtime = Thrown(() => _ = new List<int>()[3]);
        Assert.Equal(ErrorKind.Internal, ErrorClassifier.Classify(runtime).Kind);
        Assert.Equal(ErrorKind.Internal, ErrorClassifier.Classify(Thrown(() => _ = new Dictionary<string, int>()["k"])).Kind);
        Assert.Equal(ErrorKind.Internal, ErrorClassifier.Classify(new ArgumentNullException("x")).Kind);
    }

    [Fact]
    public void Classify_Bug_IsInternalWithOneLineAndWhereItThrew()
    {
        string? s = null;
        var r = ErrorClassifier.Classify(Thrown(() => _ = s!.Length));
        Assert.True(r.IsInternal);
        Assert.DoesNotContain("\n", r.What);
        Assert.StartsWith("in ", r.Where);
    }

    [Fact]
    public void Classify_WrappedException_IsUnwrapped()
    {
        var inner = new ConfigException("bad", "f.json");
        Assert.Equal(ErrorKind.Config, ErrorClassifier.Classify(new AggregateException(inner)).Kind);
        Assert.Equal(ErrorKind.Config, ErrorClassifier.Classify(new System.Reflection.TargetInvocationException(inner)).Kind);
    }

    [Fact]
    public void Classify_ExtraRule_IsTriedFirst()
    {
        var r = ErrorClassifier.Classify(new TimeoutException("slow"), [e => e is TimeoutException ? new ErrorReport(ErrorKind.Io, "timed out") : null]);
        Assert.Equal("timed out", r.What);
    }

    [Fact]
    public void Compose_ListOfProblems_PutsWhereOnTheFirstLine()
    {
        Assert.Equal("bad config (f.json):\n  - a\n  - b; fix them", UserErrorText.Compose("bad config:\n  - a\n  - b", "f.json", "fix them"));
    }
}

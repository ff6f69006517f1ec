// Bad INTERP_* environment variables: each is an error naming the variable before any verb runs (none is ignored).
namespace Interp.Host.Tests.Malformed;

public static class EnvironmentCases
{
    private static MalformedCase C(string name, string variable, string value, params string[] expect) =>
        new("environment", name, _ => new Invocation(["info"], new Dictionary<string, string?> { [variable] = value }), [variable, .. expect]);

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("INTERP_BACKEND=bogus", "INTERP_BACKEND", "bogus", "bogus", "managed");
        yield return C("INTERP_BACKEND=cuda", "INTERP_BACKEND", "cuda", "cuda");
        yield return C("INTERP_THREADS=abc", "INTERP_THREADS", "abc", "abc");
        yield return C("INTERP_THREADS=0", "INTERP_THREADS", "0", "'0'");
        yield return C("INTERP_THREADS=-3", "INTERP_THREADS", "-3", "-3");
        yield return C("INTERP_THREADS=2.5", "INTERP_THREADS", "2.5", "2.5");
        yield return C("INTERP_THREADS=99999999999", "INTERP_THREADS", "99999999999", "99999999999");
        yield return C("INTERP_PROFILE_BACKWARD=yes", "INTERP_PROFILE_BACKWARD", "yes", "0 or 1");
        yield return new("environment", "INTERP_THREADS=abc before a verb that reads files", s =>
            new Invocation(["run", "--model", s.Model(), "--input-ids", Cmd.Ids(s), "--out", s.Path("o.safetensors")],
                new Dictionary<string, string?> { ["INTERP_THREADS"] = "abc" }), "INTERP_THREADS");
    }
}

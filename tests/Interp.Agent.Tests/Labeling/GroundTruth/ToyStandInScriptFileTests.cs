// examples/llm/toy-standin.json is ToyStandInScript.Build() written out, for `interp llm standin --script` before
// `interp toyworld labels --explainer llm` (README); this keeps the file and the code the same script.
using System.Text.Json.Nodes;
using Interp.Agent.Labeling.GroundTruth;
using Interp.Agent.StandIn;

namespace Interp.Agent.Tests.Labeling.GroundTruth;

public sealed class ToyStandInScriptFileTests
{
    [Fact]
    public void ExampleFile_IsTheBuiltScript_AndParses()
    {
        string path = Path.Combine(ToyCacheFixture.RepoRoot, "examples", "llm", "toy-standin.json");
        string text = File.ReadAllText(path);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ToyStandInScript.Build()), JsonNode.Parse(text)),
            $"{path} differs from ToyStandInScript.Build(); write the built script to it again");
        Assert.NotEmpty(StandInScript.Parse(text, path).Rules);
    }
}

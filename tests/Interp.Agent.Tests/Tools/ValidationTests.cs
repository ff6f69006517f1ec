// Every bounded argument refused with an error that names the argument and says what to pass; read-only by default
// (no writing tool offered, the write primitives refuse, nothing is written).
using Interp.Agent.Tools;
using Microsoft.SemanticKernel;

namespace Interp.Agent.Tests.Tools;

[Collection(nameof(ToolCollection))]
public sealed class ValidationTests(ToolFixture fx)
{
    private const string Text = "And God said, Let there be light";

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "k0", "k", "1..50" },
        { "k51", "k", "1..50" },
        { "longText", "text", "more than 4000" },
        { "emptyText", "text", "is empty" },
        { "position", "positions", "outside the text's" },
        { "positionWord", "positions", "not an integer" },
        { "unknownSae", "sae", "english-small-resid2-topk" },
        { "feature", "feature", "0..2047" },
        { "features", "features", "0..2047" },
        { "strength", "strength", "-200..200" },
        { "maxNew", "max_new_tokens", "1..64" },
        { "headLayer", "heads", "layers 0..3" },
        { "headSyntax", "heads", "L<layer>.H<index>" },
        { "neuron", "neurons", "0..1023" },
        { "answer", "answer", "not one" },
        { "patchLength", "corrupted", "equal lengths" },
        { "hook", "hook", "nearest valid names" },
        { "noIndexQuery", "query", "is empty" },
        { "task", "task", "ioi or induction" },
        { "nodeIds", "node_ids", "ids look like" },
    };

    [Theory, MemberData(nameof(Cases))]
    public void BadArgument_NamesItAndSaysWhatToPass(string name, string argument, string fragment)
    {
        var p = new InterpPrimitives(fx.English);
        var toy = new InterpPrimitives(fx.Toy);
        Action call = name switch
        {
            "k0" => () => p.RunPrompt(Text, 0),
            "k51" => () => p.RunPrompt(Text, 51),
            "longText" => () => p.Tokenize(new string('a', 4001)),
            "emptyText" => () => p.RunPrompt("  "),
            "position" => () => p.GetActivations(Text, fx.English.Saes[0].HookName, "0,99"),
            "positionWord" => () => p.GetActivations(Text, fx.English.Saes[0].HookName, "last"),
            "unknownSae" => () => p.TopFeaturesAsync(Text, "resid-3").GetAwaiter().GetResult(),
            "feature" => () => p.FeatureInfoAsync(null, 2048).GetAwaiter().GetResult(),
            "features" => () => p.AblateFeatures(Text, null, "3,-1"),
            "strength" => () => p.SteerGenerate(Text, null, 3, 1000),
            "maxNew" => () => p.SteerGenerate(Text, null, 3, 4, 65),
            "headLayer" => () => p.AblateHeads(Text, "L9.H0"),
            "headSyntax" => () => p.AblateHeads(Text, "head 3"),
            "neuron" => () => p.AblateNeurons(Text, "L0.N1024"),
            "answer" => () => p.AblateHeads(Text, "L0.H0", answer: " unquestionably magnificent"),
            "patchLength" => () => p.PatchActivation(Text, Text + " again", fx.English.Saes[0].HookName),
            "hook" => () => p.PatchActivation(Text, Text, "blocks.1.hook_resid_psot"),
            "noIndexQuery" => () => p.SearchFeaturesAsync("").GetAwaiter().GetResult(),
            "task" => () => toy.Attribute("greater-than"),
            "nodeIds" => () => toy.PatchNodes("ioi", "heads", "L7.H99", 2),
            _ => throw new ArgumentException(name),
        };
        var e = Assert.Throws<ToolArgumentException>(call);
        Assert.Equal(argument, e.Argument);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public async Task KernelFunction_BadArgument_ReturnsTheErrorAsItsResult()
    {
        var kernel = InterpTools.CreateKernel(fx.English);
        var result = (await kernel.InvokeAsync(InterpTools.ModelPlugin, "get_activations", new KernelArguments { ["text"] = Text, ["hook"] = "blocks.2.hook_resid_pots" }))
            .GetValue<string>()!;
        Assert.StartsWith("error: ", result);
        Assert.Contains("argument 'hook'", result);
        Assert.Contains("blocks.2.hook_resid_post", result);
    }

    [Fact]
    public void ReadOnlyByDefault_NoWritingToolAndTheWritePrimitivesRefuse()
    {
        Assert.False(fx.English.WritesEnabled);
        var names = InterpTools.Functions(InterpTools.CreateKernel(fx.English)).Select(f => f.Name).ToList();
        Assert.DoesNotContain("save_label", names);
        Assert.DoesNotContain("save_note", names);
        var p = new InterpPrimitives(fx.English);
        var e = Assert.Throws<ToolArgumentException>(() => p.SaveLabel(null, 3, "pwned"));
        Assert.Contains("writes are disabled", e.Message);
        Assert.Throws<ToolArgumentException>(() => p.SaveNote("pwned"));
        Assert.False(File.Exists(fx.English.NotesPath));
    }

    [Fact]
    public async Task WritesEnabled_SaveLabelAppendsOneLine()
    {
        string notes = Path.Combine(fx.Dir, $"notes-{Guid.NewGuid():N}.jsonl");
        await using var s = await ModelSession.LoadAsync(new ModelSessionOptions(ToolFixture.ToyModel, [new SaeSource(ToolFixture.ToySae)], AllowWrites: true, NotesPath: notes));
        var names = InterpTools.Functions(InterpTools.CreateKernel(s)).Select(f => f.Name).ToList();
        Assert.Contains("save_label", names);
        var r = new InterpPrimitives(s).SaveLabel(null, 5, "names", "ablation drops the logit difference");
        Assert.Equal(1, r.Line);
        Assert.Contains("\"label\":\"names\"", File.ReadAllText(notes));
    }

    [Fact]
    public void Interventions_DoNotPersist()
    {
        var p = new InterpPrimitives(fx.English);
        var before = p.RunPrompt(Text, 5);
        p.AblateHeads(Text, "L0.H0,L1.H1");
        p.AblateFeatures(Text, null, "1,2,3");
        p.SteerGenerate(Text, null, 14, 50, 4);
        var after = p.RunPrompt(Text, 5);
        Assert.Equal(ToolJson.Serialize(before), ToolJson.Serialize(after));
        Assert.Equal(fx.English.Model.HookNames.Count, p.ListHooks().Count);     // no splice left behind
    }
}

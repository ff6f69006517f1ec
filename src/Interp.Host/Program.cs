// The one executable, `interp`: each verb lives in Commands/<Verb>Command.cs and is registered here.
using System.CommandLine;
using Interp.Host.Commands;

var root = new RootCommand("Interp: automated interpretability for transformer language models.");
foreach (var c in new[]
{
    InfoCommand.Create(),
    TokenizeCommand.Create(),
    SaeCommand.Create(),
    CacheCommand.Create(),
    RunCommand.Create(),
    InspectCommand.Create(),
    BenchCommand.Create(),
    ToyWorldCommand.Create(),
    TrainCommand.Create(),
    TokenizerCommand.Create(),
    CorpusCommand.Create(),
    LabelCommand.Create(),
})
    root.Subcommands.Add(c);

return await root.Parse(args).InvokeAsync();

// The one executable, `interp`: each verb lives in Commands/<Verb>Command.cs and is registered here; every verb runs
// inside Cli/CliBoundary (environment checks, exit 2 for bad input, 70 for bugs, no stack traces).
using System.CommandLine;
using Interp.Host.Cli;
using Interp.Host.Commands;

// `interp serve` answers many small requests on a few, often shared, cores: there an idle thread-pool worker sleeps at once
// instead of spinning (sched_yield) for more work — measured under load, that spinning was half the server's CPU per
// search. The compute verbs keep the default, which suits their parallel kernels. Set before the pool starts a worker.
if (args is ["serve", ..]) AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", 0);

var root = new RootCommand("Interp: automated interpretability for transformer language models.");
foreach (var c in new[]
{
    InfoCommand.Create(),
    TokenizeCommand.Create(),
    SaeCommand.Create(),
    CacheCommand.Create(),
    RunCommand.Create(),
    HooksCommand.Create(),
    InspectCommand.Create(),
    IndexCommand.Create(),
    SearchCommand.Create(),
    BenchCommand.Create(),
    ToyWorldCommand.Create(),
    TrainCommand.Create(),
    TokenizerCommand.Create(),
    CorpusCommand.Create(),
    LabelCommand.Create(),
    LlmCommand.Create(),
    CircuitCommand.Create(),
    McpCommand.Create(),
    ChatCommand.Create(),
    ToolCommand.Create(),
    ServeCommand.Create(),
    EvalsCommand.Create(),
})
    root.Subcommands.Add(c);

return await CliBoundary.RunAsync(root, args);

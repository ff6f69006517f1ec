// The collection of this project's CLI tests (they swap Console.Out/Error, which are process-wide: nothing else may run
// beside them). `interp run`'s tests moved to Interp.Host.Tests (issue 13).
namespace Interp.Models.Tests.Cli;

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public class ConsoleCollection { }

// `interp info`: which compute backend is active and how many threads kernels use.
using System.CommandLine;
using Interp.Tensors;

namespace Interp.Host.Commands;

public static class InfoCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "Print the active compute backend and thread count.");
        cmd.SetAction(_ =>
        {
            Console.WriteLine($"backend: {Backend.Current.Name}");
            Console.WriteLine($"threads: {Par.Threads}");
            return 0;
        });
        return cmd;
    }
}

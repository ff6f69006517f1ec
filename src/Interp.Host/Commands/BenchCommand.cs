// `interp bench`: times the cases in Bench/BenchCases and prints one JSON line per case, with the same case
// names and throughput fields as /work/shared/bench/torch_reference.py so the two can be put side by side.
using System.CommandLine;
using System.Text.RegularExpressions;
using Interp.Host.Bench;
using Interp.Tensors;

namespace Interp.Host.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Only the cases marked quick (ends within a minute), like torch_reference.py --quick." };
        var only = new Option<string?>("--only") { Description = "Run only cases whose name matches this regular expression." };
        var backend = new Option<string>("--backend") { Description = "Compute backend: auto, managed or openblas.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "Worker threads for kernels (default: INTERP_THREADS, else processor count).", DefaultValueFactory = _ => Par.Threads };

        var cmd = new Command("bench", "Benchmark the compute paths; prints one JSON line per case.");
        cmd.Options.Add(quick);
        cmd.Options.Add(only);
        cmd.Options.Add(backend);
        cmd.Options.Add(threads);
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(threads);
            if (n < 1 || n > 4096) throw new CliException($"--threads must be from 1 to 4096; got {n}");
            Regex? filter;
            try { filter = parse.GetValue(only) is { } re ? new Regex(re) : null; }
            catch (ArgumentException e) { throw new CliException($"--only is not a valid regular expression: {e.Message.TrimEnd('.')}", "e.g. --only gpt2_small_forward"); }

            // Threads first: the OpenBLAS backend reads Par.Threads when it is created.
            Par.Threads = n;
            try { Backend.Current = Backend.Choose(parse.GetValue(backend)); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { throw new CliException(e.Message, "use --backend auto, managed or openblas"); }

            var ctx = new BenchContext(parse.GetValue(quick), n, Backend.Current.Name);
            int ran = 0;
            foreach (var make in BenchCases.All)
            {
                using var bench = make(ctx.Quick);
                if (ctx.Quick && !bench.InQuickRun) continue;
                if (filter is not null && !filter.IsMatch(bench.Name)) continue;
                Console.WriteLine(BenchRunner.Measure(bench, ctx).ToJson());
                ran++;
            }
            if (ran == 0)
                throw new CliException($"no benchmark case matches --only '{parse.GetValue(only)}'{(ctx.Quick ? " among the --quick cases" : "")}",
                    "case names: " + string.Join(", ", BenchCases.All.Select(f => { using var b = f(ctx.Quick); return b.Name; })));
            return 0;
        });
        return cmd;
    }
}

using System.Globalization;
using Gateway.Benchmarks;
using Gateway.Benchmarks.Detector;
using Gateway.Benchmarks.Load;

// One entry point for every benchmark (docs/performance.md):
//   micro [BenchmarkDotNet arguments]   the BenchmarkDotNet suites, e.g. micro --filter '*Masker*' --job short
//   load [--quick] [--rounds N] [--variant NAME]... [--body NAME]...   the end-to-end load benchmark
//   detect-eval [--seed N] [--principals N] [--incidents N]   the anomaly detector's evaluation (docs/alerts.md)
//   detect-throughput [--seed N] [--principals N]   audit events per second through the detector
switch (args.FirstOrDefault())
{
    case MicroBenchmarks.Name:
        return MicroBenchmarks.Run(args[1..]);
    case LoadCommand.Name:
        return await LoadCommand.RunAsync(args[1..]);
    case DetectorCommands.Evaluate or DetectorCommands.Throughput:
        return await DetectorCommands.RunAsync(args[0], args[1..]);
    case CrmLikeUpstream.Command:
        // Not for people: the load benchmark starts its upstream as a process of its own this way.
        await CrmLikeUpstream.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        return 0;
    default:
        await Console.Error.WriteLineAsync("""
            Usage (docs/performance.md):
              dotnet run -c Release --project bench/Gateway.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter '*Masker*' --job short]
              dotnet run -c Release --project bench/Gateway.Benchmarks -- load [--quick] [--rounds N] [--variant NAME]... [--body NAME]...   (load --help for more)
              dotnet run -c Release --project bench/Gateway.Benchmarks -- detect-eval [--seed 7] [--principals 60] [--incidents 1] [--alerts]
              dotnet run -c Release --project bench/Gateway.Benchmarks -- detect-throughput [--seed 7] [--principals 60]
            """);
        return 2;
}

using System.Globalization;
using Gateway.Benchmarks;
using Gateway.Benchmarks.Load;

// One entry point for every benchmark (docs/performance.md):
//   micro [BenchmarkDotNet arguments]   the BenchmarkDotNet suites, e.g. micro --filter '*Masker*' --job short
//   load [--quick] [--rounds N] [--variant NAME]... [--body NAME]...   the end-to-end load benchmark
switch (args.FirstOrDefault())
{
    case MicroBenchmarks.Name:
        return MicroBenchmarks.Run(args[1..]);
    case LoadCommand.Name:
        return await LoadCommand.RunAsync(args[1..]);
    case CrmLikeUpstream.Command:
        // Not for people: the load benchmark starts its upstream as a process of its own this way.
        await CrmLikeUpstream.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        return 0;
    default:
        await Console.Error.WriteLineAsync("""
            Usage (docs/performance.md):
              dotnet run -c Release --project bench/Gateway.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter '*Masker*' --job short]
              dotnet run -c Release --project bench/Gateway.Benchmarks -- load [--quick] [--rounds N] [--variant NAME]... [--body NAME]...   (load --help for more)
            """);
        return 2;
}

using System.Globalization;
using BenchmarkDotNet.Running;
using Gateway.Benchmarks.Load;

switch (args.FirstOrDefault())
{
    case LoadCommand.Name:
        return await LoadCommand.RunAsync(args[1..]);
    case CrmLikeUpstream.Command:
        await CrmLikeUpstream.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        return 0;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Gateway.Benchmarks.RequestGuard.RequestTargetInspectorBenchmarks).Assembly).Run(args);
        return 0;
}

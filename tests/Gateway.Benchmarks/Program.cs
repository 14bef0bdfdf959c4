using System.Globalization;
using Gateway.Benchmarks;
using Gateway.Benchmarks.Load;

switch (args.FirstOrDefault())
{
    case LoadCommand.Name:
        return await LoadCommand.RunAsync(args[1..]);
    case CrmLikeUpstream.Command:
        await CrmLikeUpstream.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
        return 0;
    default:
        return MicroBenchmarks.Run(args);
}
